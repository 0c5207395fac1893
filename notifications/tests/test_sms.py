"""Texts through a Twilio-compatible REST API, against a stand-in provider on loopback that
answers with successes, error codes, server errors, slowly, or not at all (R-NOTIFY-1, 3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, signed_in
from notifications.channels import locmem
from notifications.delivery import channel, deliver_due
from notifications.models import Attempt, Message, MessageState
from notifications.tests.peers import Answer, SmsProvider

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING


@pytest.fixture
def provider(settings: Any) -> Iterator[SmsProvider]:
    peer = SmsProvider()
    peer.start()
    settings.HOD_CHANNELS = {**settings.HOD_CHANNELS, "sms": "notifications.channels.sms.SmsChannel"}
    settings.HOD_SMS_API_URL, settings.HOD_SMS_ACCOUNT_SID = peer.url, "AC123"
    settings.HOD_SMS_AUTH_TOKEN, settings.HOD_SMS_FROM = "secret", "+16025550000"
    settings.HOD_SMS_TIMEOUT_SECONDS = 0.5
    channel.cache_clear()
    from notifications.channels import sms

    sms._client.cache_clear()
    yield peer
    peer.stop()
    sms._client.cache_clear()


def sms_of(referral_phone: str = "602-555-0134", at: datetime = NOW) -> Message:
    request_referral(at, phone=referral_phone)
    return Message.objects.filter(channel="sms").latest("pk")


def test_an_offer_is_texted_through_the_providers_api(provider: SmsProvider) -> None:
    ana = make_agent("Ana", languages=["es"], contact="email_text")
    message = sms_of()
    assert deliver_due(NOW) == 3  # Ana's email and text, Carmen's acknowledgement by email
    [sent] = provider.requests
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json" and sent["auth"] == "AC123:secret"
    assert (sent["To"], sent["From"]) == (ana.phone, "+16025550000")
    assert "Phoenix, Maricopa, AZ" in sent["Body"] and f"/referrals/offers/{message.offer_id}/" in sent["Body"]
    # The deadline in the agent's own time zone (Phoenix: MST all year), 15 minutes on.
    deadline = (NOW + timedelta(minutes=15)).astimezone(ZoneInfo("America/Phoenix")).strftime("%-I:%M %p MST")
    assert f"Accept or reject by {deadline}: after that the referral goes to the next agent." in sent["Body"]
    assert not any(piece in sent["Body"] for piece in ("Carmen", "Ruiz", "555-0134", "carmen@"))
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert Attempt.objects.get(message=message).ok


def test_server_errors_and_timeouts_are_retried_and_delivered_once(provider: SmsProvider) -> None:
    make_agent("Ana", languages=["es"], contact="email_text")
    message = sms_of()
    provider.answers = [Answer(status=503), Answer(status=201, delay=1.5), Answer(status=429, code=20429)]
    deliver_due(NOW)
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and "answered 503" in message.last_error
    deliver_due(message.due_at)  # the provider is slow: our half-second timeout gives up
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and "timed out" in message.last_error
    deliver_due(message.due_at)
    message.refresh_from_db()
    assert "answered 429 (error 20429)" in message.last_error
    deliver_due(message.due_at)
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.attempts == 4
    outcomes = list(Attempt.objects.filter(message=message).order_by("pk").values_list("ok", flat=True))
    assert outcomes == [False, False, False, True]
    # The slow answer may have reached the provider, which is the "at most one duplicate"
    # a timeout allows; the answered errors never sent anything.
    assert 1 <= len(provider.delivered) <= 2


def test_a_provider_down_for_ten_minutes_loses_nothing_and_sends_nothing_twice(provider: SmsProvider) -> None:
    make_agent("Ana", languages=["es"], contact="email_text")
    messages = [sms_of(f"602-555-01{n:02d}", NOW + timedelta(seconds=n)) for n in range(3)]
    provider.stop()
    clock = NOW + timedelta(seconds=5)
    while clock < NOW + timedelta(minutes=10):
        deliver_due(clock)
        clock += timedelta(seconds=5)
    assert not provider.requests
    assert all(m.state == MessageState.QUEUED for m in Message.objects.filter(pk__in=[m.pk for m in messages]))
    provider.start()
    while Message.objects.filter(channel="sms", state=MessageState.QUEUED).exists():
        clock += timedelta(seconds=5)
        deliver_due(clock)
        assert clock < NOW + timedelta(hours=1), "delivered within the back-off"
    assert sorted(r["Body"] for r in provider.delivered) == sorted(
        {r["Body"] for r in provider.delivered}
    )  # three texts, each once
    assert len(provider.delivered) == 3


def test_an_invalid_number_is_dropped_and_the_agent_told_elsewhere_until_fixed(provider: SmsProvider) -> None:
    ana, client = signed_in("Ana", languages=["es"], contact="email_text_app")
    first = sms_of()
    provider.answers = [Answer(status=400, code=21211)]
    deliver_due(NOW)
    first.refresh_from_db()
    assert first.state == MessageState.FAILED and "error 21211" in first.last_error
    ana.refresh_from_db()
    assert ana.failed_channels == "sms" and ana.channels == ["email", "push"]
    assert "Texts to (602) 555-0100 cannot be delivered" in ana.delivery_problem
    # Told on the channels that still work, with the way to fix it.
    deliver_due(NOW + timedelta(seconds=1))
    told = [m for m in locmem.outbox if "cannot be delivered" in m.body]
    assert sorted(m.channel for m in told) == ["email", "push"] and all("/profile/" in m.body for m in told)
    # The next offer is not texted; the portal says why on every page.
    request_referral(NOW + timedelta(minutes=20), phone="602-555-0177")
    assert Message.objects.filter(channel="sms").count() == 1
    page = client.get("/referrals/").content.decode()
    assert "Texts to (602) 555-0100 cannot be delivered" in page and "Check your contact data in Profile." in page
    # Saving the Profile (with the corrected number) brings texts back.
    client.post("/profile/", {
        "preferred_contact": "email_text_app", "phone": "602-555-0123", "zip_code": "85004",
        "languages": ["es"], "states": ["AZ"], "ui_language": "en",
    })  # fmt: skip
    ana.refresh_from_db()
    assert (ana.failed_channels, ana.delivery_problem, ana.phone) == ("", "", "+16025550123")
    request_referral(NOW + timedelta(minutes=40), phone="602-555-0178")
    assert Message.objects.filter(channel="sms", to="+16025550123").count() == 1
