"""The calendar days a search or a report may name: those of the service's life. Any other
is refused, not searched: 9999-12-31 has no day after it for a range to end at, and year 1's
midnight east of Greenwich falls before the calendar in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
OUTSIDE_CALENDAR = gettext_lazy("Enter a date between the years 1 and 9999.")
# A From–To range of days given backwards: on `date_to`, in the pages and the API alike.
TO_BEFORE_FROM = gettext_lazy("The To date is before the From date.")

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def in_utc(value: datetime) -> datetime | None:
    """An aware instant in UTC, as it is stored (PostgreSQL keeps no offset beyond ±15:59,
    ISO 8601 allows ±23:59); None when UTC puts it outside the years 1 to 9999
    (9999-12-31 23:00 in Phoenix, 0001-01-01 00:00+05:00)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


def day_field(label: str | _StrPromise, *, required: bool = True) -> forms.DateField:
    """A date picker that offers, and accepts, only the service's days."""
    return forms.DateField(
        label=label,
        required=required,
        # ISO, whatever the language: a date input reads no other form ("03/11/2026" in
        # Spanish left it empty).
        widget=forms.DateInput(
            attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}, format="%Y-%m-%d"
        ),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )
