"""How django-allauth fits Help On Demand: sign-up is by invitation only (agents.views),
a locked username is told for how long (R-SEC-3), and a refused passkey or recovery code
says what to do instead of allauth's bare "Incorrect code." (R-REG-8)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


def _locked_message() -> str:
    minutes = settings.HOD_LOCKOUT_MINUTES
    return ngettext(
        "Too many failed sign-ins: this username is locked for %(minutes)d minute. Try again later, or use "
        "Forgot Password?",
        "Too many failed sign-ins: this username is locked for %(minutes)d minutes. Try again later, or use "
        "Forgot Password?",
        minutes,
    ) % {"minutes": minutes}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": lazy(_locked_message, str)(),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "That passkey or recovery code was not accepted. Try again, or sign in with your username and password."
        ),
    }
