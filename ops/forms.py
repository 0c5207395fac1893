from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.dates import day_field
from lib.languages import LANGUAGES
from lib.states import state_name

LONGEST_PERIOD = timedelta(days=366)


class PeriodForm(forms.Form):
    """The days whose referrals the service levels follow, both included."""

    date_from = day_field(_("From"))
    date_to = day_field(_("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The end date is before the start date."))
            elif end - start >= LONGEST_PERIOD:
                self.add_error("date_to", _("Choose a period of at most 366 days."))
        return data


class CoverageForm(forms.Form):
    """Which state's week to show, and which language's hours in full."""

    state = forms.ChoiceField(label=_("State"))
    language = forms.ChoiceField(label=_("Language"), choices=list(LANGUAGES.items()), initial="es")

    def __init__(self, *args: Any, states: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            (state, f"{state} · {state_name(state)}") for state in states
        ]
