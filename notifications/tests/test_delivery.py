from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from notifications.channels import locmem
from notifications.channels.base import DeliveryError
from notifications.delivery import deliver_due
from notifications.models import Message, MessageState
from referrals.models import Offer
from routing import actions

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING


def new_referral(**overrides):
    return request_referral(NOW, **overrides)


def test_an_offer_reaches_every_channel_of_the_preferred_method():
    ana = make_agent("Ana", languages=["es"], contact="email_text")
    new_referral()
    assert deliver_due(NOW) == 3
    sent = {(m.channel, m.to) for m in locmem.outbox}
    # Ana on both her channels, and Carmen's acknowledgement (R-NOTIFY-4).
    assert sent == {("email", ana.email), ("sms", ana.phone), ("email", "carmen@example.com")}
    email = next(m for m in locmem.outbox if m.to == ana.email)
    assert "Phoenix, Maricopa, AZ" in email.body
    assert "10:15 AM MST" in email.body


def test_an_offer_notice_is_in_the_agents_own_language():
    make_agent("Ana", languages=["es"], contact="email_only", ui_language="es")
    new_referral()
    deliver_due(NOW)
    [email] = [m for m in locmem.outbox if m.to != "carmen@example.com"]
    assert email.subject == "Nueva referencia de Help On Demand"
    assert "Un consumidor en Phoenix, Maricopa, AZ pidió ayuda" in email.body


def test_no_message_carries_the_consumers_name_or_contact_data():
    make_agent("Ana", languages=["es"], weekly=[{"on": False, "start": "08:00", "end": "17:00"}] * 7)
    make_agent("Diego", zip_code="85701", languages=["es"])
    new_referral(first_name="Zenaida", last_name="Quintanilla", phone="602-555-0177", email="zq@example.com")
    deliver_due(NOW)
    assert locmem.outbox
    for message in locmem.outbox:
        for secret in ("Zenaida", "Quintanilla", "555-0177", "5550177", "zq@example.com"):
            assert secret not in message.body and secret not in message.subject


def test_a_transient_failure_is_retried_with_backoff_and_recorded():
    make_agent("Ana", languages=["es"], contact="email_only")
    new_referral()
    locmem.fail_next.append(DeliveryError("SMTP 451 try later"))
    assert deliver_due(NOW) == 2  # Ana's notice (fails), then Carmen's acknowledgement
    message = Message.objects.get(agent__isnull=False)
    assert message.state == MessageState.QUEUED
    assert message.attempts == 1
    assert NOW + timedelta(seconds=5) <= message.due_at <= NOW + timedelta(seconds=10)
    assert deliver_due(NOW + timedelta(seconds=4)) == 0  # not due yet
    assert deliver_due(NOW + timedelta(seconds=10)) == 1
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert [a.ok for a in message.delivery_attempts.order_by("at")] == [False, True]


def test_a_permanent_failure_is_not_retried():
    make_agent("Ana", languages=["es"], contact="email_only")
    new_referral()
    locmem.fail_next.append(DeliveryError("550 no such user", permanent=True))
    deliver_due(NOW)
    message = Message.objects.get(agent__isnull=False)
    assert message.state == MessageState.FAILED
    assert "550" in message.last_error


@override_settings(HOD_DELIVERY_MAX_ATTEMPTS=2)
def test_a_message_gives_up_after_the_last_attempt():
    make_agent("Ana", languages=["es"], contact="email_only")
    new_referral()
    locmem.fail_next.extend([DeliveryError("down")] * 4)  # Ana's notice and Carmen's, twice
    deliver_due(NOW)
    deliver_due(NOW + timedelta(minutes=1))
    assert Message.objects.get(agent__isnull=False).state == MessageState.FAILED


def test_a_failing_channel_never_delays_the_offer_window():
    make_agent("Ana", languages=["es"], contact="email_only")
    diego = make_agent("Diego", zip_code="85701", languages=["es"], contact="email_only")
    referral = new_referral()
    locmem.fail_next.extend([DeliveryError("down")] * 5)
    deliver_due(NOW)
    actions.expire_due_offers(NOW + timedelta(minutes=15))
    assert Offer.objects.get(referral=referral, outcome="pending").agent == diego


def test_a_notice_about_an_offer_that_is_over_is_not_sent():
    ana = make_agent("Ana", languages=["es"], contact="email_only")
    referral = new_referral()
    offer = Offer.objects.get(referral=referral)
    actions.reject(offer.pk, ana, NOW)
    deliver_due(NOW)
    assert Message.objects.get(offer=offer).state == MessageState.CANCELLED
    # What Ana does receive is the safety-net email: nobody else could take the consumer.
    assert [m.subject for m in locmem.outbox if m.to == ana.email] == [
        "A consumer needs help: first to accept receives the referral"
    ]
