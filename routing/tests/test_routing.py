from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from agents.models import Agent
from availability.models import OutOfOffice
from eligibility.services import refresh_agent
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from notifications.models import Message
from referrals.models import Event, Offer, Outcome, Referral, Status
from routing import actions, candidates
from routing.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING


def intake(now=NOW, **overrides) -> Referral:
    return request_referral(now, **overrides)


def pending_offer(referral: Referral) -> Offer:
    return Offer.objects.get(referral=referral, outcome=Outcome.PENDING, kind="direct")


def test_it_offers_the_nearest_spanish_speaker():
    make_agent("Diego", zip_code="85701", languages=["es"])  # Tucson, ~106 miles
    ana = make_agent("Ana", zip_code="85003", languages=["en", "es"])  # Phoenix
    make_agent("Emma", zip_code="85004", languages=["en"])  # next door, English only
    make_agent("Bob", zip_code="85004", languages=["es"], states=["TX"])  # not licensed in AZ
    referral = intake()
    offer = pending_offer(referral)
    assert offer.agent == ana
    assert offer.expires_at == NOW + timedelta(minutes=15)
    assert referral.status == Status.OFFERED


def test_a_tie_in_distance_goes_to_who_waited_longest():
    first = make_agent("First", zip_code="85003", languages=["es"], last_offered_at=NOW - timedelta(hours=1))
    second = make_agent("Second", zip_code="85003", languages=["es"], last_offered_at=NOW - timedelta(hours=3))
    assert pending_offer(intake()).agent == second
    # Second was just offered, so the next consumer goes to First.
    assert pending_offer(intake(phone="602-555-0199")).agent == first


def test_reject_hands_the_consumer_to_the_next_agent_at_once():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    referral = intake()
    assert actions.reject(pending_offer(referral).pk, ana, NOW + timedelta(minutes=1)) == actions.Result.REJECTED
    nxt = pending_offer(referral)
    assert nxt.agent == diego
    assert nxt.rank == 2
    assert nxt.expires_at == NOW + timedelta(minutes=16)


def test_an_offer_can_be_accepted_at_14_59_but_not_at_15_00():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    referral = intake()
    offer = pending_offer(referral)
    assert actions.accept(offer.pk, ana, NOW + timedelta(minutes=14, seconds=59)) == actions.Result.ACCEPTED
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.accepted_by == ana

    late = intake(phone="602-555-0199")
    late_offer = pending_offer(late)
    assert actions.accept(late_offer.pk, ana, NOW + timedelta(minutes=15)) == actions.Result.EXPIRED
    late_offer.refresh_from_db()
    assert late_offer.outcome == Outcome.EXPIRED


def test_the_dispatcher_expires_at_15_00_not_before_and_routes_on():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    referral = intake()
    offer = pending_offer(referral)
    Dispatcher(clock=lambda: NOW + timedelta(minutes=14, seconds=59)).run_once()
    offer.refresh_from_db()
    assert offer.outcome == Outcome.PENDING
    Dispatcher(clock=lambda: NOW + timedelta(minutes=15)).run_once()
    offer.refresh_from_db()
    assert offer.outcome == Outcome.EXPIRED
    assert pending_offer(referral).agent == diego
    assert Event.objects.filter(kind="missed", agent_id=ana.pk).count() == 1


def test_an_agent_is_never_offered_the_same_referral_twice():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    referral = intake()
    actions.reject(pending_offer(referral).pk, ana, NOW)
    referral.refresh_from_db()
    assert referral.status == Status.SAFETY_NET
    assert Offer.objects.filter(referral=referral, agent=ana, kind="direct").count() == 1


def test_agents_already_offered_hide_nobody_behind_them_in_the_ring():
    """The two nearest agents turn the consumer down. The next agent sits just past the
    first page of the ring (fourteen nearer ones are off today): the consumer reaches them,
    not the safety net or a town farther away."""
    ana = make_agent("Ana", zip_code="85004", languages=["es"], last_offered_at=NOW - timedelta(days=20))
    bea = make_agent("Bea", zip_code="85004", languages=["es"], last_offered_at=NOW - timedelta(days=19))
    off = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    for n in range(14):  # about a mile away, all off today
        make_agent(f"Off{n}", zip_code="85003", languages=["es"], weekly=off, last_offered_at=NOW - timedelta(days=9))
    zoe = make_agent("Zoe", zip_code="85003", languages=["es"], last_offered_at=NOW - timedelta(days=5))
    make_agent("Tucson", zip_code="85701", languages=["es"])  # ~110 miles
    referral = intake()
    assert pending_offer(referral).agent == ana
    actions.reject(pending_offer(referral).pk, ana, NOW)
    assert pending_offer(referral).agent == bea
    actions.reject(pending_offer(referral).pk, bea, NOW)
    assert pending_offer(referral).agent == zoe
    routed = Event.objects.filter(referral=referral, kind="routed").order_by("pk").last()
    assert routed.data["examined"] == 15 and routed.data["chosen"] == zoe.pk


def test_unavailable_agents_are_passed_over_with_the_reason():
    make_agent(
        "Nightowl", zip_code="85003", languages=["es"], weekly=[{"on": True, "start": "20:00", "end": "24:00"}] * 7
    )
    away = make_agent("Away", zip_code="85004", languages=["es"])
    OutOfOffice.objects.create(agent=away, starts_at=NOW - timedelta(days=1), ends_at=None)
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    referral = intake()
    assert pending_offer(referral).agent == diego
    routed = Event.objects.get(referral=referral, kind="routed")
    reasons = [p["reason"] for p in routed.data["passed_over"]]
    assert reasons == ["out_of_office", "outside_hours"]
    assert routed.data["chosen"] == diego.pk


def test_nobody_available_sends_the_safety_net_by_email_only_to_the_state():
    asleep = [{"on": True, "start": "08:00", "end": "17:00"}] * 7
    ana = make_agent("Ana", zip_code="85003", languages=["es"], weekly=asleep)
    emma = make_agent("Emma", zip_code="85004", languages=["en"], weekly=asleep)
    make_agent("Bob", zip_code="77001", languages=["es"], states=["TX"])
    night = NOW.replace(hour=8, minute=30)  # 1:30 a.m. in Phoenix
    referral = intake(now=night)
    assert referral.status == Status.SAFETY_NET
    messages = Message.objects.filter(offer__referral=referral)
    assert {m.to for m in messages} == {ana.email, emma.email}
    assert {m.channel for m in messages} == {"email"}


def test_the_first_safety_net_acceptance_wins_and_the_others_see_it_taken():
    weekly = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    ana = make_agent("Ana", languages=["es"], weekly=weekly)
    emma = make_agent("Emma", languages=["en"], weekly=weekly)
    referral = intake()
    ana_offer = Offer.objects.get(referral=referral, agent=ana)
    emma_offer = Offer.objects.get(referral=referral, agent=emma)
    assert actions.accept(emma_offer.pk, emma, NOW + timedelta(hours=3)) == actions.Result.ACCEPTED
    assert actions.accept(ana_offer.pk, ana, NOW + timedelta(hours=3)) == actions.Result.TAKEN
    ana_offer.refresh_from_db()
    assert ana_offer.outcome == Outcome.TAKEN
    # Nobody else is sent a notice about a referral that is taken.
    assert not Message.objects.filter(offer=ana_offer, state="queued").exists()


def test_the_database_itself_refuses_a_second_winner_or_a_second_pending_direct_offer():
    """Whatever the code does, the schema the migrations build keeps one accepted offer and
    one pending direct offer per referral (a migration once dropped both indexes)."""
    weekly = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    ana = make_agent("Ana", languages=["es"], weekly=weekly)
    emma = make_agent("Emma", languages=["es"], weekly=weekly)
    referral = intake()  # nobody available: both get a safety-net offer
    offers = Offer.objects.filter(referral=referral)
    assert offers.count() == 2
    offers.filter(agent=emma).update(outcome=Outcome.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        offers.filter(agent=ana).update(outcome=Outcome.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.bulk_create(
            [
                Offer(referral=referral, agent=agent, kind="direct", offered_at=NOW, expires_at=NOW, rank=1)
                for agent in (ana, emma)
            ]
        )
    assert sorted(offers.values_list("outcome", flat=True)) == [Outcome.ACCEPTED, Outcome.PENDING]


def test_an_unanswered_safety_net_referral_is_closed_as_unserved_after_72_hours():
    make_agent("Ana", languages=["es"], weekly=[{"on": False, "start": "08:00", "end": "17:00"}] * 7)
    referral = intake()
    Dispatcher(clock=lambda: NOW + timedelta(hours=71, minutes=59)).run_once()
    referral.refresh_from_db()
    assert referral.status == Status.SAFETY_NET
    Dispatcher(clock=lambda: NOW + timedelta(hours=72)).run_once()
    referral.refresh_from_db()
    assert referral.status == Status.UNSERVED
    assert Event.objects.filter(referral=referral, kind="unserved").exists()


def test_an_agent_whose_time_zone_is_unknown_is_passed_over_and_logged(caplog):
    """A bad row (the admin refuses one now; it stored Mars/Base before) costs that agent
    their referrals, said in the log, not every nearby consumer a failed intake."""
    broken = make_agent("Broken", zip_code="85004", languages=["es"])
    Agent.objects.filter(pk=broken.pk).update(time_zone="Mars/Base")
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    referral = intake()
    assert pending_offer(referral).agent == diego
    routed = Event.objects.get(referral=referral, kind="routed")
    assert [(p["agent"], p["reason"]) for p in routed.data["passed_over"]] == [(broken.pk, "unknown_time_zone")]
    assert f"agent {broken.pk} has an unknown time zone 'Mars/Base'" in caplog.text


def test_ineligible_unregistered_and_suspended_agents_get_nothing():
    make_agent("Unregistered", zip_code="85003", languages=["es"], registered=False)
    make_agent("Untrained", zip_code="85003", languages=["es"], training_year=2026)
    make_agent("Optout", zip_code="85003", languages=["es"], display_option=4)
    make_agent("Medsupp", zip_code="85003", languages=["es"], loa="Medicare Supplement")
    make_agent("Lapsed", zip_code="85003", languages=["es"], license_expires=NOW.date() - timedelta(days=1))
    make_agent("Suspended", zip_code="85003", languages=["es"], suspended_at=NOW)
    referral = intake()
    assert referral.status == Status.SAFETY_NET
    assert not Offer.objects.filter(referral=referral).exists()


def test_a_deselected_state_gets_no_referrals():
    make_agent("Ana", zip_code="85003", languages=["es"], states=["AZ", "UT"], excluded_states=["AZ"])
    assert intake().status == Status.SAFETY_NET


def test_a_license_expiring_today_still_counts_and_not_tomorrow():
    ana = make_agent("Ana", zip_code="85003", languages=["es"], license_expires=NOW.date())
    assert pending_offer(intake()).agent == ana
    assert intake(now=NOW + timedelta(days=1), phone="602-555-0199").status == Status.SAFETY_NET


def test_every_state_change_is_in_the_event_log():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    referral = intake()
    actions.accept(pending_offer(referral).pk, ana, NOW + timedelta(minutes=2))
    kinds = list(Event.objects.filter(referral=referral).values_list("kind", flat=True))
    assert kinds == ["received", "routed", "accepted"]
    with pytest.raises(ValueError, match="append-only"):
        Event.objects.filter(referral=referral).first().delete()


def test_a_row_that_fails_does_not_stop_the_others(monkeypatch):
    make_agent("Ana", zip_code="85003", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    first = intake()
    second = intake(phone="602-555-0199")
    real_decide = candidates.decide

    def broken_for_first(stream, **kw):
        if stream.referral.pk == first.pk:
            raise RuntimeError("corrupt row")
        return real_decide(stream, **kw)

    # The batch fails as a whole, then each referral is tried on its own.
    monkeypatch.setattr(candidates, "decide", broken_for_first)
    dispatcher = Dispatcher(clock=lambda: NOW + timedelta(minutes=15))
    with time_machine.travel(NOW + timedelta(minutes=15), tick=False):
        dispatcher.run_once()
    assert first.pk in dispatcher.quarantine
    assert pending_offer(first).outcome == Outcome.PENDING  # rolled back, tried again later
    assert Offer.objects.filter(referral=second, outcome=Outcome.EXPIRED).count() == 1


def test_the_search_widens_ring_by_ring_and_keeps_the_distance_order():
    off = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    make_agent("Austin", zip_code="78701", languages=["es"], states=["TX"], weekly=off)  # ~146 mi
    make_agent("Dallas", zip_code="75201", languages=["es"], states=["TX"], weekly=off)  # ~225 mi
    make_agent("Katy", zip_code="77494", languages=["es"], states=["TX"], weekly=off)  # ~30 mi
    make_agent("Downtown", zip_code="77002", languages=["es"], states=["TX"], weekly=off)  # 0 mi
    el_paso = make_agent("ElPaso", zip_code="79901", languages=["es"], states=["TX"])  # ~675 mi
    referral = intake(zip_code="77002")
    assert pending_offer(referral).agent == el_paso
    routed = Event.objects.get(referral=referral, kind="routed")
    miles = [p["miles"] for p in routed.data["passed_over"]]
    assert miles == sorted(miles) and len(miles) == 4
    assert miles[0] == 0.0 and 25 < miles[1] < 75 and 75 < miles[2] < 200 and 200 < miles[3] < 600
    assert 600 < routed.data["miles"]


def test_an_agent_suspended_after_the_safety_net_notice_cannot_accept():
    weekly = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    ana = make_agent("Ana", languages=["es"], weekly=weekly)
    referral = intake()
    offer = Offer.objects.get(referral=referral, agent=ana)
    ana.suspended_at = NOW
    refresh_agent(ana, NOW)
    assert actions.accept(offer.pk, ana, NOW + timedelta(hours=1)) == actions.Result.NOT_ELIGIBLE
    referral.refresh_from_db()
    assert referral.status == Status.SAFETY_NET and referral.accepted_by_id is None


def test_an_agent_who_misses_an_offer_is_paused_told_everywhere_and_back_with_one_click():
    """R-MISS-4: the next consumer does not wait 15 minutes on an agent who missed one."""
    from availability import services as availability

    ana = make_agent("Ana", zip_code="85003", languages=["es"], ui_language="es")
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    first = intake()
    Dispatcher(clock=lambda: NOW + timedelta(minutes=15)).run_once()
    ana.refresh_from_db()
    assert ana.paused_at == NOW + timedelta(minutes=15)
    notices = Message.objects.filter(agent=ana, template="paused")
    assert sorted(m.channel for m in notices) == ["email", "push", "sms"]
    assert {m.language for m in notices} == {"es"}
    from notifications.rendering import render

    text = render(notices.get(channel="sms"), ana.time_zone)
    assert text.subject == "Sus referencias de Help On Demand están en pausa"
    assert text.body.endswith("/referrals/") and "Omitió una referencia" in text.body

    # Nearest to the next consumer, but paused: passed over with the reason, Diego gets it.
    later = NOW + timedelta(minutes=20)
    second = intake(now=later, phone="602-555-0199")
    assert pending_offer(second).agent == diego
    routed = Event.objects.filter(referral=second, kind="routed").get()
    assert routed.data["passed_over"][0]["agent"] == ana.pk
    assert routed.data["passed_over"][0]["reason"] == "paused_after_miss"
    assert availability.today(ana, later).on is False

    # Missing a second one while paused (a safety-net notice lapsing is no miss) sends no second notice.
    assert availability.pause_after_miss(ana.pk, later) is False
    assert notices.count() == 3

    assert availability.resume(ana, later) is True
    third = intake(now=later + timedelta(minutes=1), phone="602-555-0188")
    assert pending_offer(third).agent == ana
    assert Event.objects.filter(kind="resumed", agent_id=ana.pk).count() == 1
    assert first.pk != third.pk


def test_switching_todays_availability_on_also_ends_a_pause():
    from availability import services as availability

    ana = make_agent("Ana", zip_code="85003", languages=["es"], paused_at=NOW - timedelta(minutes=5))
    assert availability.today(ana, NOW).reason == "paused_after_miss"
    assert availability.switch_today(ana, True, NOW).on is True
    ana.refresh_from_db()
    assert ana.paused_at is None
    assert pending_offer(intake()).agent == ana


@pytest.mark.parametrize("together", [True, False], ids=["as-one-batch", "one-at-a-time"])
def test_offers_expiring_together_go_where_one_at_a_time_would_send_them(together, caplog):
    """Three consumers' offers lapse at the same instant. Whether the dispatcher handles them
    as one batch or one by one, the next agents are the same: the agent who waited longest
    first, then — that agent's wait having just restarted — the next one, even when they sit
    past the first page of equally near candidates."""
    holder = make_agent("Holder", zip_code="85003", languages=["es"])
    referrals = [intake(phone=f"602-555-01{n:02}") for n in range(3)]
    assert {pending_offer(r).agent for r in referrals} == {holder}
    off = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    for n in range(15):  # nearer in the queue than anyone, but off today: the whole first page
        make_agent(f"Off{n}", zip_code="85003", languages=["es"], weekly=off, last_offered_at=NOW - timedelta(days=9))
    x = make_agent("Xochitl", zip_code="85003", languages=["es"], last_offered_at=NOW - timedelta(days=5))
    y = make_agent("Yolanda", zip_code="85003", languages=["es"], last_offered_at=NOW - timedelta(days=4))
    due = NOW + timedelta(minutes=15)
    if together:
        assert actions.expire_due_offers(due) == 3
    else:
        assert actions._expire_each(due, limit=10, skip=frozenset(), failed=None) == 3
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no fall-back to one at a time

    assert [pending_offer(r).agent for r in referrals] == [x, y, x]
    assert [pending_offer(r).rank for r in referrals] == [2, 2, 2]
    for referral in referrals:
        kinds = list(Event.objects.filter(referral=referral).order_by("pk").values_list("kind", flat=True))
        assert kinds == ["received", "routed", "missed", "routed"]
        routed = Event.objects.filter(referral=referral, kind="routed").order_by("pk").last()
        assert routed.data["examined"] == 16  # the fifteen who are off, then the one chosen
        assert {p["reason"] for p in routed.data["passed_over"]} == {"day_off"}
    holder.refresh_from_db()
    assert holder.paused_at == due  # paused once for the three misses (R-MISS-4)…
    assert Event.objects.filter(kind="paused", agent_id=holder.pk).count() == 1
    paused_notices = Message.objects.filter(agent=holder, template="paused")
    assert sorted(paused_notices.values_list("channel", flat=True)) == ["email", "push", "sms"]  # …and told once
    offer_notices = Message.objects.filter(template="offer", offer__in=[pending_offer(r) for r in referrals])
    assert offer_notices.count() == 9  # three channels for each new offer
    x.refresh_from_db()
    assert x.last_offered_at == due


@pytest.mark.postgres
def test_on_postgresql_the_candidate_query_is_prepared_once_and_decides_as_before():
    """After its fifth run on a connection the ring query is a prepared statement
    (HOD_PG_PREPARED_STATEMENTS): PostgreSQL stops planning it anew, and its answers are
    the same."""
    from django.db import connection

    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    decisions = [
        candidates.next_candidate(Referral(state="AZ", lat=33.45, lon=-112.07, language="es", pk=0), 2027, NOW)
        for _ in range(7)
    ]
    assert {decision.chosen.agent_id for decision in decisions if decision.chosen} == {ana.pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("FROM eligibility_coverage c" in statement for statement in prepared), prepared
