"""The consumer hears from us (R-NOTIFY-4): when the request is received, when an agent
accepts (who, and how they will make contact), and if nobody could take it; in their
language, by email when they gave one, else by text, over a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from notifications.channels import locmem
from notifications.delivery import deliver_due
from notifications.models import Message
from referrals.models import Offer
from routing import actions
from routing.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
NIGHT = NOW.replace(hour=8, minute=30)  # 1:30 a.m. in Phoenix
OFF = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
CARMEN = ("Carmen", "Ruiz", "555-0134", "5550134")


def to_consumer(**filters: Any) -> list[Message]:
    return list(Message.objects.filter(agent__isnull=True, **filters).order_by("pk"))


def test_the_request_is_acknowledged_by_email_in_the_consumers_language(smtp: Any) -> None:
    make_agent("Ana", languages=["es"], contact="email_only")
    referral = request_referral(NOW)
    deliver_due(NOW)
    [mail] = [m for m in smtp.messages if m["To"] == "carmen@example.com"]
    body = mail.get_payload(decode=True).decode()
    assert mail["Subject"] == "HealthCare.gov: recibimos su solicitud de ayuda"
    assert f"cerca de Phoenix, Maricopa, AZ (referencia {referral.reference})" in body
    assert "que hable español" in body
    assert not any(piece in body for piece in CARMEN)


def test_without_an_email_the_acknowledgement_is_a_text_to_the_phone_given() -> None:
    referral = request_referral(NOW, email="", language="en")
    deliver_due(NOW)
    [text] = [m for m in locmem.outbox if m.to == "+16025550134"]
    assert text.channel == "sms"
    # The whole notice, not its first and last sentences: who will call is in the middle.
    assert text.body == (
        f"HealthCare.gov: We received your request for help with Marketplace coverage near Phoenix, Maricopa, AZ "
        f"(reference {referral.reference}). A licensed agent or broker who speaks English will contact you soon. "
        "We will tell you who as soon as one accepts your request. This help is free. An agent will never ask you "
        "to pay for it."
    )


@pytest.mark.parametrize(("page", "expected"), [("en", "en"), ("es", "es")])
def test_a_language_we_do_not_write_falls_back_to_the_page_the_consumer_used(page: str, expected: str) -> None:
    with translation.override(page):
        referral = request_referral(NOW, language="vi")
    assert referral.notice_language == expected
    assert to_consumer()[0].language == expected


def test_on_accept_the_consumer_learns_who_will_call(smtp: Any) -> None:
    ana = make_agent("Ana", languages=["es"], contact="email_only", phone="+16025550188")
    referral = request_referral(NOW)
    offer = Offer.objects.get(referral=referral)
    assert actions.accept(offer.pk, ana, NOW + timedelta(minutes=3)) == actions.Result.ACCEPTED
    deliver_due(NOW + timedelta(minutes=3))
    mails = [m for m in smtp.messages if m["To"] == "carmen@example.com"]
    assert [m["Subject"].strip() for m in mails] == [
        "HealthCare.gov: recibimos su solicitud de ayuda",
        "HealthCare.gov: un agente aceptó su solicitud de ayuda",
    ]
    body = mails[1].get_payload(decode=True).decode()
    assert "Ana Tester, agente o corredor con licencia, aceptó su solicitud" in body
    assert "le llamará pronto al número de teléfono que nos dio" in body
    assert f"(602) 555-0188 o {ana.email}" in body
    assert not any(piece in body for piece in CARMEN)


def test_a_safety_net_taker_is_announced_to_the_consumer_the_same_way() -> None:
    emma = make_agent("Emma", languages=["en"], contact="email_only", weekly=OFF)
    referral = request_referral(NIGHT, language="en", email="")
    offer = Offer.objects.get(referral=referral, agent=emma)
    actions.accept(offer.pk, emma, NIGHT + timedelta(hours=2))
    [_received, accepted] = to_consumer()
    assert (accepted.channel, accepted.to, accepted.template) == ("sms", "+16025550134", "consumer_accepted")
    assert accepted.data["agent_name"] == "Emma Tester"


def test_nobody_taking_it_in_72_hours_sends_the_consumer_to_the_call_center() -> None:
    make_agent("Emma", languages=["en"], contact="email_only", weekly=OFF)
    request_referral(NIGHT, language="en")
    Dispatcher(clock=lambda: NIGHT + timedelta(hours=72)).run_once()
    unserved = [m for m in locmem.outbox if m.to == "carmen@example.com"][-1]
    assert unserved.subject == "HealthCare.gov: about your request for help"
    assert "1-800-318-2596" in unserved.body and "TTY: 1-855-889-4325" in unserved.body


def test_only_the_consumer_receives_their_updates_and_no_agent_is_told_their_name() -> None:
    ana = make_agent("Ana", languages=["es"], contact="email_text")
    make_agent("Diego", zip_code="85701", languages=["es"], contact="email_text")
    referral = request_referral(NOW)
    actions.reject(Offer.objects.get(referral=referral).pk, ana, NOW)
    deliver_due(NOW)
    for message in locmem.outbox:
        if message.to in ("carmen@example.com", "+16025550134"):
            assert message.subject.startswith("HealthCare.gov")
        assert not any(piece in message.body + message.subject for piece in CARMEN)
