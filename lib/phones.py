"""U.S. phone numbers, checked and stored in E.164 (+16025550134)."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def us_phone(raw: str) -> str:
    """The number in E.164, or a ValidationError telling how to write one."""
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a U.S. phone number, like 602-555-0134.")) from None
    if not phonenumbers.is_valid_number(number) or number.country_code != 1:
        raise ValidationError(_("Enter a U.S. phone number, like 602-555-0134."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """+16025550134 → (602) 555-0134, as agents dial it."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "US"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def phone_numbers(text: str) -> Iterator[tuple[int, int, str]]:
    """Where `text` holds a phone number, in whatever form it was written ("+16025550134",
    "(602) 555-0134", "602.555.0134", "tel:+1-602-555-0134"): (start, end, E.164) each."""
    for found in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID):
        yield found.start, found.end, phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)


def replace_phone_numbers(text: str, replacement: str, only: str | None = None) -> str:
    """`text` with its phone numbers (or only those equal to the E.164 `only`) replaced."""
    pieces, last = [], 0
    for start, end, e164 in phone_numbers(text):
        if only is None or e164 == only:
            pieces += [text[last:start], replacement]
            last = end
    return "".join(pieces) + text[last:]
