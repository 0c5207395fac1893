"""A typo in production configuration stops the process with the variable's name and why."""

from __future__ import annotations

import pytest

from lib.env import ConfigError, env_float, env_int


@pytest.mark.parametrize(
    ("reader", "raw", "error"),
    [
        (lambda: env_int("HOD_X", 1, minimum=1), "ten", "HOD_X='ten': expected a whole number"),
        (lambda: env_int("HOD_X", 1, minimum=1), "0", "HOD_X=0: must be at least 1"),
        (lambda: env_float("HOD_X", 1.0, above=0), "fast", "HOD_X='fast': expected a number"),
        (lambda: env_float("HOD_X", 1.0, above=0), "0", "HOD_X=0.0: must be more than 0"),
        (lambda: env_float("HOD_X", 1.0, minimum=0), "-0.5", "HOD_X=-0.5: must be at least 0"),
        (lambda: env_float("HOD_X", 1.0, minimum=0), "nan", "HOD_X=nan: must be at least 0"),
    ],
)
def test_bad_numbers_name_the_variable_and_the_reason(monkeypatch, reader, raw, error):
    monkeypatch.setenv("HOD_X", raw)
    with pytest.raises(ConfigError) as caught:
        reader()
    assert str(caught.value) == error


def test_unset_or_empty_means_the_default_and_good_values_are_read(monkeypatch):
    monkeypatch.delenv("HOD_X", raising=False)
    assert env_float("HOD_X", 2.5, above=0) == 2.5
    monkeypatch.setenv("HOD_X", "")
    assert env_int("HOD_X", 7) == 7
    monkeypatch.setenv("HOD_X", "12.5")
    assert env_float("HOD_X", 1.0, above=0) == 12.5
