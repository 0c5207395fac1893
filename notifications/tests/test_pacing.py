"""A state's safety-net fan-out goes at the provider's rate, never ahead of a direct offer,
and stops the moment somebody takes the referral."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from notifications.channels import locmem
from notifications.delivery import Pacer, deliver_due
from notifications.models import Message, MessageState
from referrals.models import Offer, Referral, Status
from routing import actions

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
NIGHT = NOW.replace(hour=8, minute=30)  # 1:30 a.m. in Phoenix: nobody is on shift
DAY_SHIFT = [{"on": True, "start": "08:00", "end": "17:00"}] * 7
SAFETY_NET_SUBJECT = "A consumer needs help: first to accept receives the referral"


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def intake(now=NOW, **overrides) -> Referral:
    return request_referral(now, **overrides)


def safety_net(agents: int) -> Referral:
    for n in range(agents):
        make_agent(f"Agent{n}", languages=["en"], contact="email_only", weekly=DAY_SHIFT)
    referral = intake(now=NIGHT)
    assert referral.status == Status.SAFETY_NET
    return referral


def test_the_pacer_keeps_to_its_rate_after_a_one_second_burst():
    time = FakeTime()
    pacer = Pacer(4, clock=time.clock, sleep=time.sleep)
    for _ in range(9):
        pacer.wait()
    # The first goes at once; the next eight at a quarter of a second each.
    assert time.now - 1000.0 == pytest.approx(2.0)
    time.now += 10  # idle for a while: at most one second's worth goes at once afterwards
    slept_before = len(time.slept)
    for _ in range(4):
        pacer.wait()
    assert len(time.slept) == slept_before
    pacer.wait()
    assert time.slept[-1] == pytest.approx(0.25)


def test_the_fan_out_to_a_state_goes_at_the_configured_rate():
    safety_net(12)
    time = FakeTime()
    pacer = Pacer(5, clock=time.clock, sleep=time.sleep)
    claims = []
    while claimed := deliver_due(NIGHT + timedelta(seconds=1), pacer=pacer):
        claims.append(claimed)
    assert claims == [5, 5, 3]  # a claim takes one second's worth
    # Carmen's acknowledgement first (urgent), then the twelve agents of the state.
    assert [m.subject for m in locmem.outbox].count(SAFETY_NET_SUBJECT) == 12
    assert locmem.outbox[0].to == "carmen@example.com"
    assert time.now - 1000.0 == pytest.approx(12 / 5)


def test_a_direct_offer_goes_before_a_queued_fan_out():
    safety_net(6)
    # Later, in Phoenix's morning, a Spanish speaker asks and Ana is on shift.
    ana = make_agent("Ana", languages=["es"], contact="email_only")
    intake(now=NIGHT + timedelta(seconds=30), language="es")
    deliver_due(NIGHT + timedelta(minutes=1), limit=3)
    # The two acknowledgements to consumers and Ana's offer: urgent, before the six bulk emails.
    assert SAFETY_NET_SUBJECT not in [m.subject for m in locmem.outbox]
    assert [m.subject for m in locmem.outbox if m.to == ana.email] == ["New Help On Demand referral"]


def test_sending_stops_the_moment_an_agent_takes_the_referral():
    referral = safety_net(10)
    offers = list(Offer.objects.filter(referral=referral).select_related("agent"))
    time = FakeTime()
    results = []

    def sleep(seconds: float) -> None:
        # Three emails are out when the first of their recipients accepts.
        time.sleep(seconds)
        notices = [m for m in locmem.outbox if m.subject == SAFETY_NET_SUBJECT]
        if len(notices) == 3 and not results:
            taker = next(o for o in offers if o.agent.email == notices[0].to)
            results.append(actions.accept(taker.pk, taker.agent, NIGHT + timedelta(seconds=2)))

    pacer = Pacer(20, clock=time.clock, sleep=sleep)
    # Carmen's acknowledgement and the ten notices were claimed together.
    assert deliver_due(NIGHT + timedelta(seconds=1), pacer=pacer) == 11
    assert results == [actions.Result.ACCEPTED]
    assert [m.subject for m in locmem.outbox].count(SAFETY_NET_SUBJECT) == 3
    assert Message.objects.filter(offer__referral=referral, state=MessageState.SENT).count() == 3
    assert Message.objects.filter(offer__referral=referral, state=MessageState.CANCELLED).count() == 7
    # All that is left to send is Carmen's news that an agent accepted (she asked in Spanish).
    assert deliver_due(NIGHT + timedelta(minutes=5)) == 1
    assert locmem.outbox[-1].subject == "HealthCare.gov: un agente aceptó su solicitud de ayuda"


def test_an_agent_whose_email_failed_is_left_out_of_the_fan_out():
    make_agent("Ana", languages=["en"], contact="email_only", weekly=DAY_SHIFT, failed_channels="email")
    emma = make_agent("Emma", languages=["en"], contact="email_only", weekly=DAY_SHIFT)
    referral = intake(now=NIGHT)
    assert referral.offers.count() == 2  # both may still take it from the portal
    assert [m.to for m in Message.objects.filter(offer__referral=referral)] == [emma.email]


def test_a_slow_provider_gives_back_the_rest_of_its_claim_before_the_lease_runs_out(settings):
    settings.HOD_DELIVERY_LEASE_SECONDS = 2
    safety_net(10)
    time = FakeTime()

    def slow_sleep(seconds: float) -> None:
        time.sleep(seconds + 0.3)  # each send takes 0.4 s at a rate of 10/s

    pacer = Pacer(10, clock=time.clock, sleep=slow_sleep)
    at = NIGHT + timedelta(seconds=1)
    assert deliver_due(at, pacer=pacer) == 10
    sent = len(locmem.outbox)
    assert 2 <= sent <= 4  # within the first half of the two-second lease
    rest = Message.objects.filter(state=MessageState.QUEUED)
    assert rest.count() == 11 - sent
    assert all(m.due_at <= at and m.attempts == 0 for m in rest)  # claimable again at once, untried
