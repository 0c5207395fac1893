"""The consumer's request, validated the same way for the web page and the API."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from geo.zips import Place, ZipError, lookup
from lib.languages import LANGUAGES
from lib.phones import us_phone
from lib.states import state_name
from lib.widgets import named, phone_input, zip_input

# Letters of any alphabet, spaces, apostrophes, hyphens and periods; nothing else.
NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’.-][^\W\d_]+)*\.?$")


def clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not NAME_PATTERN.match(value):
        raise forms.ValidationError(_("Use letters, spaces, apostrophes, hyphens and periods only."))
    return value


class ConsumerRequestForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, widget=named("given-name"))
    last_name = forms.CharField(label=_("Last name"), max_length=100, widget=named("family-name"))
    phone = forms.CharField(label=_("Phone number"), max_length=30, widget=phone_input())
    email = forms.EmailField(
        label=_("Email (optional)"), required=False, max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )  # fmt: skip
    zip_code = forms.CharField(label=_("ZIP code"), max_length=10, widget=zip_input())
    language = forms.ChoiceField(label=_("Preferred language"), choices=list(LANGUAGES.items()), initial="en")
    consent = forms.BooleanField(
        label=_("I agree to be contacted by a licensed agent or broker about Marketplace coverage."),
        error_messages={"required": _("You must agree to be contacted so an agent can call you.")},
    )

    def __init__(self, *args: Any, served_states: AbstractSet[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.served_states = served_states
        self.place: Place | None = None
        # A consumer reading the page in Spanish most likely prefers Spanish.
        language = (get_language() or "en")[:2]
        if language in LANGUAGES:
            self.fields["language"].initial = language

    def clean_first_name(self) -> str:
        return clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_name(self.cleaned_data["last_name"])

    def clean_phone(self) -> str:
        return us_phone(self.cleaned_data["phone"])

    def clean_zip_code(self) -> str:
        value = self.cleaned_data["zip_code"].strip()
        try:
            place = lookup(value)
        except ZipError as exc:
            raise forms.ValidationError(exc.args[0]) from None
        if place.state not in self.served_states:
            raise forms.ValidationError(
                _(
                    "%(state)s does not use HealthCare.gov. Please visit your state's Marketplace "
                    "website to find help near you."
                ),
                params={"state": state_name(place.state)},
            )
        self.place = place
        return value
