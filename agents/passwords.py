"""The program's password rules (R-REG-4), as a Django password validator.

The rules, exactly as the sign-up checklist shows them; REFERENCE §7 settles the edges:
`aaa` and `abc` pass, `aaaa`, `abcd` and `4321` fail; sequences count within digits or
within letters, case-insensitively. Django's common-password and user-similarity
validators run beside this one (settings.AUTH_PASSWORD_VALIDATORS).
"""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 8
MAX_LENGTH = 20
MAX_RUN = 3
SPECIALS = frozenset(string.punctuation)

# (code, checklist text): the sign-up page shows them in this order and ticks them live.
RULES: list[tuple[str, Promise]] = [
    ("no_spaces", _("Does not contain spaces")),
    ("length", _("Contains 8 to 20 characters")),
    ("number", _("Contains at least one number")),
    ("lower", _("Contains at least one lower case letter")),
    ("upper", _("Contains at least one upper case letter")),
    ("special", _("Contains at least one special character")),
    ("repeats", _("Contains no more than three repetitive characters")),
    ("sequence", _("Contains no more than three sequential characters")),
]


def longest_repeat(password: str) -> int:
    longest = run = 0
    previous = None
    for char in password:
        run = run + 1 if char == previous else 1
        previous = char
        longest = max(longest, run)
    return longest


def longest_sequence(password: str) -> int:
    """Longest run of consecutive digits or letters going up or down by one (`abcd`, `4321`)."""
    longest = 0
    up = down = 1
    lowered = password.lower()
    for previous, char in zip(lowered, lowered[1:], strict=False):
        same_kind = (previous.isdigit() and char.isdigit()) or (
            previous in string.ascii_lowercase and char in string.ascii_lowercase
        )
        step = ord(char) - ord(previous) if same_kind else 0
        up = up + 1 if step == 1 else 1
        down = down + 1 if step == -1 else 1
        longest = max(longest, up, down)
    return max(longest, 1 if password else 0)


def failed_rules(password: str) -> list[str]:
    """The codes of the rules `password` breaks, in checklist order."""
    checks = {
        "no_spaces": not any(char.isspace() for char in password),
        "length": MIN_LENGTH <= len(password) <= MAX_LENGTH,
        "number": any(char.isdigit() for char in password),
        "lower": any(char.islower() for char in password),
        "upper": any(char.isupper() for char in password),
        "special": any(char in SPECIALS for char in password),
        "repeats": longest_repeat(password) <= MAX_RUN,
        "sequence": longest_sequence(password) <= MAX_RUN,
    }
    return [code for code, _text in RULES if not checks[code]]


class ProgramRulesValidator:
    """Refuses a password that breaks any rule, naming every rule it breaks."""

    def validate(self, password: str, user: Any = None) -> None:
        failed = failed_rules(password)
        if failed:
            texts = dict(RULES)
            raise ValidationError(
                [ValidationError(_("The password must meet this rule: %(rule)s."), code=code,
                                 params={"rule": texts[code]}) for code in failed]
            )  # fmt: skip

    def get_help_text(self) -> str:
        return str(_("8 to 20 characters with a number, a lower and an upper case letter and a special character; "
                     "no spaces, no more than three repeated or sequential characters."))  # fmt: skip
