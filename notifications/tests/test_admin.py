"""The outbox in the operators' console: read-only, and a consumer's own address shown
neither there nor in the errors it keeps, nor in the logs (R-SEC-1: a consumer's contact
data is on the referral's page only, where each view is recorded)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from agents.onboarding import send_invitation
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, sign_in_operator
from notifications.channels import locmem
from notifications.delivery import deliver_due
from notifications.models import Message, MessageState
from notifications.tests.test_bounces import bounce_file, dsn, run
from referrals.models import Event

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
CARMEN = "carmen.ruiz@consumers.example"
CARMENS_PHONE = ("+16025550134", "6025550134", "602-555-0134", "(602) 555-0134")


def operator() -> Client:
    client = Client()
    sign_in_operator(client)
    return client


def shows_carmen(page: str) -> bool:
    return CARMEN in page or any(phone in page for phone in CARMENS_PHONE)


def test_a_refused_consumer_email_leaves_her_address_nowhere_but_the_referral(smtp: Any, caplog: Any) -> None:
    ana = make_agent("Ana", languages=["es"], contact="email_only")
    smtp.refuse.add(CARMEN)
    referral = request_referral(NOW, email=CARMEN)
    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        deliver_due(NOW)
    refused = Message.objects.get(referral=referral, agent__isnull=True)
    assert refused.state == MessageState.FAILED
    assert refused.last_error.startswith("recipient refused: {'<recipient>': (550")  # why, without whom
    assert all(CARMEN not in attempt.error for attempt in refused.delivery_attempts.all())
    assert f"delivery of message {refused.pk} failed" in caplog.text and CARMEN not in caplog.text

    console = operator()
    listing = console.get("/admin/notifications/message/").content.decode()
    assert not shows_carmen(listing)
    assert f"the consumer of referral {referral.pk}</a>" in listing
    assert f"/admin/referrals/referral/{referral.pk}/change/" in listing
    assert ana.email in listing  # an agent's own address stays in view, for support
    page = console.get(f"/admin/notifications/message/{refused.pk}/change/").content.decode()
    assert not shows_carmen(page) and "recipient refused" in page
    assert not Event.objects.filter(kind="personal_data_viewed").exists()

    # The one place: the referral's page, and that view is recorded.
    assert CARMEN in console.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert Event.objects.filter(kind="personal_data_viewed", referral=referral).count() == 1


def test_an_unexpected_provider_error_is_logged_with_its_place_but_without_her_number(caplog: Any) -> None:
    make_agent("Ana", languages=["es"], contact="email_only")
    referral = request_referral(NOW, email="")  # her acknowledgement goes by text
    locmem.fail_next.append(RuntimeError("Ana's notice: provider client broke"))
    locmem.fail_next.append(
        KeyError("unexpected answer for +16025550134: {'to': '6025550134', 'as': '(602) 555-0134'}")
    )
    with caplog.at_level(logging.ERROR, logger="notifications.delivery"):
        deliver_due(NOW)
    text = Message.objects.get(referral=referral, agent__isnull=True)
    assert text.state == MessageState.QUEUED and text.attempts == 1  # tried again later
    assert (
        text.last_error == "KeyError: \"unexpected answer for <recipient>: {'to': '<recipient>', 'as': '<recipient>'}\""
    )
    assert f"unexpected error delivering message {text.pk}: KeyError" in caplog.text
    assert "in send\n    raise fail_next.pop(0)" in caplog.text  # where it broke, for whoever mends it
    assert not any(phone in caplog.text for phone in CARMENS_PHONE)


def test_a_bounced_consumer_email_keeps_the_reason_not_the_address(smtp: Any, tmp_path: Path) -> None:
    make_agent("Ana", languages=["es"], contact="email_only")
    referral = request_referral(NOW, email=CARMEN)
    deliver_due(NOW)
    run(bounce_file(tmp_path, dsn(CARMEN)))
    bounced = Message.objects.get(referral=referral, agent__isnull=True)
    assert bounced.state == MessageState.FAILED
    assert bounced.last_error == "bounced: 550 5.1.1 <<recipient>>: Recipient address rejected: User unknown"


def test_a_consumers_text_is_shown_by_referral_not_by_number() -> None:
    make_agent("Ana", languages=["es"])
    referral = request_referral(NOW, email="")  # no email: her acknowledgement goes by text
    assert Message.objects.get(referral=referral, agent__isnull=True).channel == "sms"
    listing = operator().get("/admin/notifications/message/").content.decode()
    assert not shows_carmen(listing) and f"the consumer of referral {referral.pk}" in listing


def test_the_outbox_is_read_only_and_hides_an_unsent_invitations_sign_up_link() -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, NOW)
    invitation = Message.objects.get(template="invitation", channel="email")
    secret = invitation.data["secret_path"]
    console = operator()
    url = f"/admin/notifications/message/{invitation.pk}/change/"
    page = console.get(url).content.decode()
    assert secret not in page and "(hidden)" in page
    assert ana.email in page
    assert 'name="_save"' not in page
    assert console.post(url, {"to": "someone@else.example", "state": "queued"}).status_code == 403
    assert console.get("/admin/notifications/message/add/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.to == ana.email and invitation.data["secret_path"] == secret
