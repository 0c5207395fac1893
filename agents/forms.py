"""The agent's onboarding and sign-in forms (R-REG-2…7)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, ContactMethod
from geo.zips import Place, ZipError, lookup, us_time_zones
from lib.phones import us_phone
from lib.states import state_name
from lib.widgets import named, phone_input, zip_input


class PhoneAndZipMixin:
    """Checks shared by sign-up and the profile: a U.S. mobile in E.164, a routable ZIP."""

    cleaned_data: dict[str, Any]
    place: Place | None = None

    def clean_phone(self) -> str:
        return us_phone(self.cleaned_data["phone"])

    def clean_zip_code(self) -> str:
        try:
            self.place = lookup(self.cleaned_data["zip_code"].strip())
        except ZipError as exc:
            raise ValidationError(exc.args[0]) from None
        return self.place.zip_code


class BrowserTimeZoneForm(forms.Form):
    """The time zone the agent's browser reports (R-AVAIL-1), filled in by the page's script;
    empty without JavaScript, and then the ZIP's time zone stays. So does it for a zone no U.S.
    ZIP is in: a browser that reports UTC (Firefox's fingerprinting protection does) or a
    laptop left on another country's time is not where the agent works."""

    browser_time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_browser_time_zone(self) -> str:
        value = self.cleaned_data["browser_time_zone"].strip()
        if value and value not in available_timezones():
            raise forms.ValidationError(
                _("Your browser reported an unknown time zone (%(zone)s): nothing was saved."), params={"zone": value}
            )
        return value if value in us_time_zones() else ""


class SignUpForm(PhoneAndZipMixin, BrowserTimeZoneForm):
    """Name and email come from MLMS and are shown read-only; the rest is the agent's."""

    preferred_contact = forms.ChoiceField(
        label=_("Preferred Contact Method"),
        choices=ContactMethod.choices,
        initial=ContactMethod.EMAIL_TEXT_APP,
        help_text=_(
            "We strongly recommend Email, Text & App Notification. With Email Only, referrals may be delayed or lost."
        ),
    )
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=30, help_text=_("A mobile number, not a landline: texts go to it."),
        widget=phone_input(),
    )  # fmt: skip
    zip_code = forms.CharField(label=_("ZIP code"), max_length=10, widget=zip_input())
    username = forms.CharField(
        label=_("Username"), min_length=3, max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("3 to 150 letters, digits and @/./+/-/_ only."), widget=named("username"),
    )  # fmt: skip
    # "new-password": password managers offer to make one and save it with the username.
    password1 = forms.CharField(
        label=_("Password"), strip=False, max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    password2 = forms.CharField(
        label=_("Confirm Password"), strip=False, max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    accept_terms = forms.BooleanField(
        label=_("I read and agree to the Help On Demand Terms of Use"),
        error_messages={"required": _("You must agree to the Help On Demand Terms of Use to sign up.")},
    )

    def __init__(self, *args: Any, agent: Agent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken: choose another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password1")
        if password is None:
            return data
        if data.get("password2") is not None and password != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        user = User(
            username=data.get("username", ""),
            email=self.agent.email,
            first_name=self.agent.first_name,
            last_name=self.agent.last_name,
        )
        try:
            validate_password(password, user)
        except ValidationError as error:
            self.add_error("password1", error)
        return data


class TermsForm(forms.Form):
    """The first sign-in: state preferences and the CMS Terms of Use (R-REG-6, R-ELIG-4)."""

    states = forms.MultipleChoiceField(
        label=_("State Preferences"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("HealthCare.gov states where you hold an active health license. Clear a state to receive no "
                    "referrals from it."),
    )  # fmt: skip
    agree = forms.BooleanField(
        label=_("I have read and agree to Help On Demand's Terms of Use"),
        error_messages={"required": _("Tick the box to accept the Terms of Use, or choose Decline.")},
    )

    def __init__(self, *args: Any, selectable: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["states"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = [(state, state_name(state)) for state in selectable]
        self.fields["states"].error_messages["required"] = _("Choose at least one state to receive referrals.")


class LoginForm(AllauthLoginForm):
    """allauth's sign-in with the seed's "Remember my Username" box (a cookie, not a session)."""

    remember_username = forms.BooleanField(
        label=_("Remember my Username"),
        required=False,
        help_text=_('Do not use "Remember my Username" on public or shared computers.'),
    )


class AddPasskeyForm(AddWebAuthnForm):
    """allauth's "add a security key", as a passkey by default: a key stored on the device
    that signs the agent in by itself (Face ID, Touch ID, Windows Hello, a PIN)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        passwordless = self.fields["passwordless"]
        passwordless.initial = True
        passwordless.label = _("Use it to sign in without my password")
        passwordless.help_text = _(
            "Your device will ask for your face, fingerprint or PIN. Leave this off for a "
            "security key that only confirms sign-ins made with your password."
        )


class ForgotUsernameForm(forms.Form):
    email = forms.EmailField(label=_("Email in your MLMS profile"), max_length=254)
