"""R-ELIG-7: agents who keep missing offers are suspended by a policy operators tune."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from agents.models import SUSPENDED_BY_POLICY, Agent, MissPolicy
from availability import services as availability
from eligibility.models import Coverage
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, sign_in_operator, signed_in
from notifications.models import Message
from notifications.rendering import render
from referrals.events import record
from referrals.models import Event, Offer, Outcome, Referral
from routing import actions

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
WINDOW = timedelta(minutes=15)


def pending_offer(referral: Referral) -> Offer:
    return Offer.objects.get(referral=referral, outcome=Outcome.PENDING, kind="direct")


def earlier_pauses(agent: Agent, *ago: timedelta) -> None:
    """Pauses after misses, as the expiry writes them, `ago` before NOW."""
    for delta in ago:
        record("paused", at=NOW - delta, agent_id=agent.pk)


def miss(referral: Referral, at: datetime) -> None:
    """The offer of `referral` lapses, handled by the dispatcher's batch."""
    assert actions.expire_due_offers(at + WINDOW) >= 1
    assert Offer.objects.filter(referral=referral, outcome=Outcome.EXPIRED).exists()


def test_the_fifth_miss_in_seven_days_suspends_the_agent_and_tells_them_why():
    ana = make_agent("Ana", zip_code="85003", languages=["es"], ui_language="es")
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    for n in range(5):
        at = NOW + timedelta(hours=n)
        referral = request_referral(at, phone=f"602-555-01{n:02}")
        assert pending_offer(referral).agent_id == ana.pk
        miss(referral, at)
        ana.refresh_from_db()
        assert ana.paused_at == at + WINDOW
        if n < 4:  # four misses: paused each time, told so, still taking part once back
            assert ana.suspended_at is None and ana.eligible
            assert Message.objects.filter(agent=ana, template="paused").count() == 3 * (n + 1)
            availability.resume(ana, at + timedelta(minutes=20))
            # Diego takes each consumer Ana missed (a miss of his would pause him too).
            assert actions.accept(pending_offer(referral).pk, diego, at + timedelta(minutes=16)) == "accepted"

    ana.refresh_from_db()
    fifth = NOW + timedelta(hours=4) + WINDOW
    assert (ana.suspended_at, ana.suspended_by) == (fifth, SUSPENDED_BY_POLICY)
    assert ana.suspension_reason == "Missed referrals 5 times in 7 days (automatic policy)."
    assert ana.ineligibility == ["suspended_for_misses"] and not ana.eligible
    assert not Coverage.objects.filter(agent=ana).exists()
    assert pending_offer(referral).agent_id == diego.pk  # the fifth consumer moved on at once

    # Told of the suspension on every channel, in Spanish, instead of a fifth "paused" notice.
    assert Message.objects.filter(agent=ana, template="paused").count() == 12
    notices = Message.objects.filter(agent=ana, template="suspended")
    assert sorted(m.channel for m in notices) == ["email", "push", "sms"]
    email = render(notices.get(channel="email"), ana.time_zone)
    assert email.subject == "Su participación en Help On Demand está suspendida"
    assert "Omitió referencias 5 veces en los últimos 7 días" in email.body
    assert "Carmen" not in email.body and "555" not in email.body  # nothing about any consumer
    suspended = Event.objects.get(kind="suspended", agent_id=ana.pk)
    assert suspended.data == {"by": "policy", "misses": 5, "days": 7}

    # Resuming does not bring her back: only an operator can.
    availability.resume(ana, fifth + timedelta(minutes=5))
    later = request_referral(fifth + timedelta(minutes=10), phone="602-555-0190")
    assert pending_offer(later).agent_id == diego.pk


@pytest.mark.parametrize(
    ("oldest", "suspended"),
    [(timedelta(days=7), False), (timedelta(days=7) - timedelta(seconds=1), True)],
    ids=["first-pause-7-days-ago-has-left-the-window", "first-pause-just-inside-the-window"],
)
def test_only_pauses_inside_the_window_count(oldest, suspended):
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    # The fifth miss lands at NOW: pauses 7 days before NOW are out of the window.
    earlier_pauses(ana, oldest, timedelta(days=3), timedelta(days=2), timedelta(days=1))
    referral = request_referral(NOW - WINDOW)
    miss(referral, NOW - WINDOW)
    ana.refresh_from_db()
    assert ana.paused_at == NOW
    assert (ana.suspended_at is not None) is suspended


def test_offers_that_lapse_together_are_one_miss():
    """Five consumers offered to the same agent during one absence: one pause, one miss."""
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    referrals = [request_referral(NOW, phone=f"602-555-01{n:02}") for n in range(5)]
    assert {pending_offer(r).agent_id for r in referrals} == {ana.pk}
    assert actions.expire_due_offers(NOW + WINDOW) == 5
    ana.refresh_from_db()
    assert ana.paused_at == NOW + WINDOW and ana.suspended_at is None
    assert Event.objects.filter(kind="paused", agent_id=ana.pk).count() == 1


def test_a_miss_found_when_the_agent_clicks_late_counts_too():
    """The one-at-a-time path: the agent opens an offer after its 15 minutes."""
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    earlier_pauses(ana, timedelta(days=4), timedelta(days=3), timedelta(days=2), timedelta(days=1))
    referral = request_referral(NOW)
    offer = pending_offer(referral)
    assert actions.accept(offer.pk, ana, NOW + WINDOW) == actions.Result.EXPIRED
    ana.refresh_from_db()
    assert ana.suspended_by == SUSPENDED_BY_POLICY and ana.ineligibility == ["suspended_for_misses"]
    assert pending_offer(referral).agent_id == diego.pk
    assert not Message.objects.filter(agent=ana, template="paused").exists()
    assert Message.objects.filter(agent=ana, template="suspended").count() == 3


def test_a_suspension_routes_the_agents_other_pending_offers_on():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    earlier_pauses(ana, timedelta(days=4), timedelta(days=3), timedelta(days=2), timedelta(days=1))
    first = request_referral(NOW)
    second = request_referral(NOW + timedelta(minutes=5), phone="602-555-0199")
    assert pending_offer(second).agent_id == ana.pk  # not due for another 5 minutes
    assert actions.expire_due_offers(NOW + WINDOW) == 1
    assert Offer.objects.get(referral=second, agent=ana).outcome == Outcome.WITHDRAWN
    assert pending_offer(second).agent_id == diego.pk
    assert pending_offer(first).agent_id == diego.pk
    withdrawn = Event.objects.get(kind="withdrawn", referral=second)
    assert withdrawn.data["reasons"] == ["suspended_for_misses"]


def test_with_the_policy_off_misses_only_pause():
    MissPolicy.objects.update_or_create(pk=1, defaults={"misses": 0})
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    earlier_pauses(ana, *(timedelta(hours=h) for h in range(1, 30)))
    miss(request_referral(NOW - WINDOW), NOW - WINDOW)
    ana.refresh_from_db()
    assert ana.paused_at == NOW and ana.suspended_at is None and ana.eligible


def operator() -> Client:
    client = Client()
    sign_in_operator(client)
    return client


def test_an_operator_reinstates_and_earlier_misses_stop_counting():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    earlier_pauses(ana, timedelta(days=4), timedelta(days=3), timedelta(days=2), timedelta(days=1))
    miss(request_referral(NOW - WINDOW), NOW - WINDOW)
    ana.refresh_from_db()
    assert ana.suspended_by == SUSPENDED_BY_POLICY

    client = operator()
    listed = client.get("/admin/agents/agent/?suspension=policy").content.decode()
    assert "Ana" in listed
    back = NOW + timedelta(hours=1)
    with time_machine.travel(back, tick=False):
        response = client.post(
            "/admin/agents/agent/", {"action": "reinstate", "_selected_action": [ana.pk]}, follow=True
        )
    assert "1 agent reinstated." in response.content.decode()
    ana.refresh_from_db()
    assert (ana.suspended_at, ana.suspended_by, ana.suspension_reason, ana.reinstated_at) == (None, "", "", back)
    assert ana.eligible and Coverage.objects.filter(agent=ana).exists()
    assert Message.objects.filter(agent=ana, template="reinstated").count() == 3
    op = get_user_model().objects.get(username="op")
    assert Event.objects.get(kind="reinstated", agent_id=ana.pk).actor == f"operator:{op.pk}"

    # She is still paused from her last miss until she says she is back; then one more miss
    # is one, not six.
    availability.resume(ana, back)
    again = back + timedelta(minutes=1)
    referral = request_referral(again, phone="602-555-0177")
    assert pending_offer(referral).agent_id == ana.pk
    miss(referral, again)
    ana.refresh_from_db()
    assert ana.paused_at == again + WINDOW and ana.suspended_at is None


def test_operators_tune_the_policy_and_bad_values_are_refused():
    client = operator()
    page = client.get("/admin/agents/misspolicy/", follow=True)
    assert page.redirect_chain[-1][0] == "/admin/agents/misspolicy/1/change/"
    assert "Each time an agent lets offers lapse and is paused counts once" in page.content.decode()

    refused = client.post("/admin/agents/misspolicy/1/change/", {"misses": "3", "days": "0"})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {"days": ["Ensure this value is greater than or equal to 1."]}
    refused = client.post("/admin/agents/misspolicy/1/change/", {"misses": "-1", "days": "7"})
    assert "misses" in refused.context["adminform"].form.errors
    assert (MissPolicy.current().misses, MissPolicy.current().days) == (5, 7)

    assert client.post("/admin/agents/misspolicy/1/change/", {"misses": "3", "days": "14"}).status_code == 302
    assert (MissPolicy.current().misses, MissPolicy.current().days) == (3, 14)
    assert str(MissPolicy.current()) == "Suspend an agent after 3 misses in 14 days"
    assert client.get("/admin/agents/misspolicy/add/").status_code == 403


def test_the_suspended_agent_sees_why_on_their_pages():
    ana, client = signed_in("Ana", zip_code="85003", languages=["es"])
    earlier_pauses(ana, timedelta(days=4), timedelta(days=3), timedelta(days=2), timedelta(days=1))
    miss(request_referral(NOW - WINDOW), NOW - WINDOW)
    page = client.get("/referrals/").content.decode()
    assert "You are not receiving referrals, because:" in page
    assert "Your participation is suspended because you missed referrals too often." in page
    # Paused by the last miss too: resuming ends the pause, and says the suspension still holds.
    back = client.post("/availability/resume/", follow=True).content.decode()
    assert "Welcome back: referrals reach you again." not in back  # it said so, suspended
    assert "You are not receiving referrals, because: Your participation is suspended because" in back
