"""Build a message once, render it per channel, in the recipient's language (STYLE §8)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lib.languages import language_name
from notifications.channels.base import Rendered
from notifications.models import Message

SUBJECTS = {
    "offer": lambda: _("New Help On Demand referral"),
    "safety_net": lambda: _("A consumer needs help: first to accept receives the referral"),
    "invitation": lambda: _("You are invited to Help On Demand"),
    "welcome": lambda: _("Your Help On Demand account is ready"),
    "test_text": lambda: _("Help On Demand test message"),
    "username": lambda: _("Your Help On Demand username"),
    "destination_failed": lambda: _("Help On Demand cannot reach you on one of your channels"),
    "paused": lambda: _("Your Help On Demand referrals are paused"),
    "suspended": lambda: _("Your Help On Demand participation is suspended"),
    "reinstated": lambda: _("Your Help On Demand participation is restored"),
    "contact_reminder": lambda: _("Reminder: contact the consumer you accepted"),
    # To consumers, about their own request (R-NOTIFY-4).
    "consumer_received": lambda: _("HealthCare.gov: we received your request for help"),
    "consumer_accepted": lambda: _("HealthCare.gov: an agent accepted your request for help"),
    "consumer_unserved": lambda: _("HealthCare.gov: about your request for help"),
}
# Paths that open an account must not outlive the message: delivery drops them once sent.
SECRET_KEYS = ("secret_path",)


def offer_link(offer_id: int) -> str:
    """Where the agent opens this offer: the link in every notice about it."""
    return f"{settings.SITE_URL.rstrip('/')}/referrals/offers/{offer_id}/"


def render(message: Message, time_zone: str = "America/New_York") -> Rendered:
    with translation.override(message.language):
        data = dict(message.data)
        if message.offer_id:
            data["link"] = offer_link(message.offer_id)
        for key in ("path", *SECRET_KEYS):
            if data.get(key):
                data["link"] = f"{settings.SITE_URL.rstrip('/')}{data[key]}"
        if data.get("expires_at"):
            expires = datetime.fromisoformat(str(data["expires_at"])).astimezone(ZoneInfo(time_zone))
            data["expires"] = date_format(expires, "TIME_FORMAT") + expires.strftime(" %Z")
        if data.get("language"):
            name = language_name(str(data["language"]))
            # Spanish writes language names in lower case inside a sentence ("que hable español").
            data["language_name"] = name.lower() if message.language == "es" else name
        body = render_to_string(f"notifications/{message.template}.txt", data).strip()
        subject = str(SUBJECTS[message.template]())
    if message.channel != "email" and message.template != "test_text":
        lines = body.splitlines()
        if message.template.startswith("consumer_"):
            # A consumer's text is their whole notice: it has no link to the rest, and its
            # middle says who will call and when.
            body = "HealthCare.gov: " + " ".join(lines)
        else:
            # An agent's texts and pushes are short: the first sentence, an offer's deadline
            # (the one thing to act on), and the link.
            head = lines[:-1] if message.template == "offer" else lines[:1]
            body = f"{subject}: {' '.join(head)}\n{lines[-1]}"
    return Rendered(channel=message.channel, to=message.to, subject=subject, body=body)
