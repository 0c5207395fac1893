"""Every input for a personal detail says what it holds (WCAG 1.3.5): browsers fill it in,
phones show the right keyboard, password managers save a new password with its username."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from agents.onboarding import send_invitation
from hod.testing import WEEKDAY_MORNING, make_agent, signed_in
from notifications.models import Message

pytestmark = pytest.mark.django_db


def inputs(page: str) -> dict[str, str]:
    """Each named input's tag, by name."""
    tags = re.findall(r"<input[^>]*>", page)
    return {found.group(1): tag for tag in tags if (found := re.search(r'name="([^"]+)"', tag))}


def purpose(tag: str) -> tuple[str | None, str | None, str | None]:
    def attribute(name: str) -> str | None:
        found = re.search(rf'\b{name}="([^"]*)"', tag)
        return found.group(1) if found else None

    return attribute("type"), attribute("autocomplete"), attribute("inputmode")


def test_the_consumers_page_names_each_detail():
    fields = inputs(Client().get("/").content.decode())
    assert purpose(fields["first_name"]) == ("text", "given-name", None)
    assert purpose(fields["last_name"]) == ("text", "family-name", None)
    assert purpose(fields["phone"]) == ("tel", "tel", None)
    assert purpose(fields["email"]) == ("email", "email", None)
    assert purpose(fields["zip_code"]) == ("text", "postal-code", "numeric")


def test_the_agents_sign_up_and_profile_name_each_detail():
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    invitation = Message.objects.filter(template="invitation", agent=ana).latest("pk")
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        sign_up = inputs(Client().get(invitation.data["secret_path"]).content.decode())
    assert purpose(sign_up["phone"]) == ("tel", "tel", None)
    assert purpose(sign_up["zip_code"]) == ("text", "postal-code", "numeric")
    assert purpose(sign_up["username"]) == ("text", "username", None)
    assert purpose(sign_up["password1"]) == ("password", "new-password", None)
    assert purpose(sign_up["password2"]) == ("password", "new-password", None)

    _agent, client = signed_in("Bea")
    profile = inputs(client.get("/profile/").content.decode())
    assert purpose(profile["phone"]) == ("tel", "tel", None)
    assert purpose(profile["zip_code"]) == ("text", "postal-code", "numeric")
