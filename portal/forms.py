"""The agent portal's forms: search, status, availability, profile (R-PORTAL, R-AVAIL)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.forms import PhoneAndZipMixin
from agents.models import Agent, ContactMethod
from availability.services import away_end_refused
from lib.dates import OUTSIDE_CALENDAR, TO_BEFORE_FROM, day_field, in_utc
from lib.languages import LANGUAGES
from lib.states import state_name
from lib.widgets import phone_input, zip_input
from referrals.models import Completion, ContactResult, NotGoodReason
from referrals.models import ContactMethod as ReachBy
from referrals.services import LIST_STATUSES

# The display time zones of Manage Referrals (the seed's "Time Zone" select).
TIME_ZONES = [
    ("America/New_York", _("Eastern Time")),
    ("America/Chicago", _("Central Time")),
    ("America/Denver", _("Mountain Time")),
    ("America/Phoenix", _("Arizona Time")),
    ("America/Los_Angeles", _("Pacific Time")),
    ("America/Anchorage", _("Alaska Time")),
    ("Pacific/Honolulu", _("Hawaii Time")),
]
DAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def zone_words(zone: str) -> str:
    """ "Arizona Time (America/Phoenix)" for a zone the select names, else the zone's own name."""
    label = dict(TIME_ZONES).get(zone)
    return f"{label} ({zone})" if label else zone


def time_zone_choices(own: str) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = list(TIME_ZONES)
    if own not in dict(choices):
        choices.append((own, own))
    return choices


class SearchForm(forms.Form):
    """Search for Referrals by Status, Date-range or Name (R-PORTAL-2)."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all")), *LIST_STATUSES.items()])
    # Consumers' names: not kept in the browser's form history either (shared computers).
    first_name = forms.CharField(
        label=_("First Name"), required=False, max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label=_("Last Name"), required=False, max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_from = day_field(_("From"), required=False)
    date_to = day_field(_("To"), required=False)
    time_zone = forms.ChoiceField(label=_("Time Zone"), required=False)

    def __init__(self, *args: Any, agent: Agent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = time_zone_choices(agent.time_zone)
        field.initial = agent.time_zone
        self.agent = agent

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["time_zone"] = data.get("time_zone") or self.agent.time_zone
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", TO_BEFORE_FROM)
        return data


class RangeForm(forms.Form):
    """View / Export Metrics: a range of dates in the agent's time zone, both days included
    (R-PORTAL-4). Empty means the last 30 days; at most a year and a day at a time."""

    DEFAULT_DAYS, MAX_DAYS = 30, 366
    date_from = day_field(_("From"), required=False)
    date_to = day_field(_("To"), required=False)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["date_from"].initial = today - timedelta(days=self.DEFAULT_DAYS - 1)
        self.fields["date_to"].initial = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("date_to") or self.today
        start = data.get("date_from") or end - timedelta(days=self.DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("date_to", TO_BEFORE_FROM)
        elif (end - start).days + 1 > self.MAX_DAYS:
            self.add_error("date_from", _("Choose at most %(days)s days at a time.") % {"days": self.MAX_DAYS})
        data["date_from"], data["date_to"] = start, end
        return data

    def dates(self) -> tuple[date, date]:
        """The chosen range, or the default one when nothing was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        return self.fields["date_from"].initial, self.fields["date_to"].initial


class ExportForm(RangeForm):
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV"))])


class StatusForm(forms.Form):
    """The status selector of an accepted referral, with its required subcategory (R-STATUS)."""

    status = forms.ChoiceField(
        label=_("Referral Status"),
        choices=[("in_progress", _("In Progress")), ("not_good", _("Not a Good Referral")),
                 ("completed", _("Referral Completed"))],
    )  # fmt: skip
    completion = forms.ChoiceField(label=_("Completed how?"), required=False, choices=[("", "—"), *Completion.choices])
    reason = forms.ChoiceField(label=_("Why?"), required=False, choices=[("", "—"), *NotGoodReason.choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == "completed" and not data.get("completion"):
            self.add_error("completion", _("Choose how the referral was completed."))
        if data.get("status") == "not_good" and not data.get("reason"):
            self.add_error("reason", _("Choose why this is not a good referral."))
        return data


class AttemptForm(forms.Form):
    """One try to reach the consumer, for the contact-attempt log (R-STATUS-2)."""

    method = forms.ChoiceField(label=_("How"), choices=ReachBy.choices)
    result = forms.ChoiceField(label=_("Result"), choices=ContactResult.choices)


def _b64url(value: str, size: int, first: int | None = None) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, binascii.Error):
        return None
    if len(raw) != size or (first is not None and raw[0] != first):
        return None
    return raw


class PushSubscriptionForm(forms.Form):
    """A device's Web Push subscription, as `PushSubscription.toJSON()` gives it."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"]
        if not endpoint.startswith("https://") and not settings.HOD_PUSH_ALLOW_HTTP:
            raise forms.ValidationError(_("A push endpoint must use https."))
        return endpoint

    def clean_p256dh(self) -> str:
        if _b64url(self.cleaned_data["p256dh"], 65, first=4) is None:
            raise forms.ValidationError(_("Not a P-256 public key in base64url."))
        return self.cleaned_data["p256dh"]

    def clean_auth(self) -> str:
        if _b64url(self.cleaned_data["auth"], 16) is None:
            raise forms.ValidationError(_("Not a 16-byte authentication secret in base64url."))
        return self.cleaned_data["auth"]


class TodayForm(forms.Form):
    """Today's Availability: on or off, and when on, the Stop Referrals time (R-AVAIL-2)."""

    on = forms.TypedChoiceField(choices=[("on", _("On")), ("off", _("Off"))], coerce=lambda v: v == "on")
    stop_at = forms.TimeField(label=_("Stop Referrals"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))


class DayForm(forms.Form):
    """One weekday's standard hours (R-AVAIL-1)."""

    on = forms.BooleanField(required=False)
    start = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("on"):
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", _("Enter when the day starts."))
            if end is None:
                self.add_error("end", _("Enter when the day ends."))
            if start is not None and end is not None and end <= start and end != time(0):
                self.add_error("end", _("The day must end after it starts."))
        return data


class BreakForm(forms.Form):
    """A break, e.g. lunch every day at noon."""

    days = forms.MultipleChoiceField(
        label=_("Days"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(str(i), name) for i, name in enumerate(DAYS)],
    )  # fmt: skip
    start = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is None and end is None and not data.get("days"):
            return data  # an empty row: ignored
        if start is None:
            self.add_error("start", _("Enter when the break starts."))
        if end is None:
            self.add_error("end", _("Enter when the break ends."))
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("The break must end after it starts."))
        if not data.get("days"):
            self.add_error("days", _("Choose at least one day."))
        return data


DayFormSet = forms.formset_factory(DayForm, extra=0, min_num=7, max_num=7, validate_max=True, validate_min=True)
BreakFormSet = forms.formset_factory(BreakForm, extra=1, max_num=10, validate_max=True, can_delete=True)


class OutOfOfficeForm(forms.Form):
    """Out of Office: From / To, or From with No End Date (R-AVAIL-3)."""

    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("To"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    no_end = forms.BooleanField(label=_("No End Date"), required=False)

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(time_zone)

    def _aware(self, name: str, value: datetime | None) -> datetime | None:
        # The agent types wall-clock times in their own zone, whatever the server's is.
        if value is None:
            return None
        instant = in_utc(value.replace(tzinfo=None).replace(tzinfo=self.zone))
        if instant is None:
            self.add_error(name, OUTSIDE_CALENDAR)
        return instant

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["starts_at"] = self._aware("starts_at", data.get("starts_at"))
        data["ends_at"] = None if data.get("no_end") else self._aware("ends_at", data.get("ends_at"))
        if not data.get("no_end") and data.get("ends_at") is None and "ends_at" not in self.errors:
            self.add_error("ends_at", _("Enter when you are back, or choose No End Date."))
        elif data.get("starts_at") and (
            refused := away_end_refused(data["starts_at"], data["ends_at"], timezone.now())
        ):
            self.add_error("ends_at", refused)
        return data


class ProfileForm(PhoneAndZipMixin, forms.Form):
    """What the agent may change (R-PORTAL-3); name and email come from MLMS."""

    preferred_contact = forms.ChoiceField(label=_("Preferred Contact Method"), choices=ContactMethod.choices)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30, widget=phone_input())
    zip_code = forms.CharField(label=_("ZIP code"), max_length=10, widget=zip_input())
    languages = forms.MultipleChoiceField(
        label=_("Languages you are proficient in"), widget=forms.CheckboxSelectMultiple,
        choices=list(LANGUAGES.items()),
        error_messages={"required": _("Choose at least one language.")},
    )  # fmt: skip
    states = forms.MultipleChoiceField(
        label=_("State Preferences"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("HealthCare.gov states where you hold an active health license. Clear a state to receive no "
                    "referrals from it."),
    )  # fmt: skip
    ui_language = forms.ChoiceField(
        label=_("Language of pages and messages"), choices=[("en", "English"), ("es", "Español")]
    )

    def __init__(self, *args: Any, selectable: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["states"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = [(state, state_name(state)) for state in selectable]
