"""R-REG-4 at every boundary (REFERENCE §7), through Django's validate_password."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from agents.passwords import failed_rules


@pytest.mark.parametrize(
    ("password", "failed"),
    [
        ("Xaaa#Pq7", []),  # three repeated: allowed
        ("Xaaaa#P7", ["repeats"]),  # four repeated
        ("Xabc#Pq7", []),  # three sequential letters
        ("Xabcd#P7", ["sequence"]),  # four up
        ("Xdcba#P7", ["sequence"]),  # four down
        ("Xq#4321P", ["sequence"]),  # four digits down
        ("Xq#123Pv", []),  # three digits up
        ("XQ#7ABCd", ["sequence"]),  # case does not matter
        ("Xy9#Ab9Z", []),  # 9 then A is no sequence (digits and letters apart)
        ("Pq7#Lm2z", []),  # 8 characters
        ("Pq7#Lm2", ["length"]),  # 7
        ("Pq7#Lm2zPq7#Lm2zPq7#", []),  # 20
        ("Pq7#Lm2zPq7#Lm2zPq7#x", ["length"]),  # 21
        ("Pq7# Lm2z", ["no_spaces"]),
        ("pq7#lm2z", ["upper"]),
        ("PQ7#LM2Z", ["lower"]),
        ("Pqx#Lmwz", ["number"]),
        ("Pq7zLm2z", ["special"]),
        ("", ["length", "number", "lower", "upper", "special"]),
    ],
)
def test_each_rule_at_its_boundary(password: str, failed: list[str]) -> None:
    assert failed_rules(password) == failed


@pytest.mark.django_db
def test_validate_password_names_every_broken_rule_and_runs_djangos_checks() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password("abcd 1234")
    assert caught.value.messages == [
        "The password must meet this rule: Does not contain spaces.",
        "The password must meet this rule: Contains at least one upper case letter.",
        "The password must meet this rule: Contains at least one special character.",
        "The password must meet this rule: Contains no more than three sequential characters.",
    ]
    user = User(username="mariagarcia", first_name="Maria", last_name="Garcia", email="maria.garcia@example.com")
    with pytest.raises(ValidationError, match="too similar to the username"):
        validate_password("MariaGarcia#1", user)
    with pytest.raises(ValidationError, match="too common"):
        validate_password("Password1!")  # passes the program's rules, but everybody uses it
    validate_password("Tq8#vLm2zR", user)
