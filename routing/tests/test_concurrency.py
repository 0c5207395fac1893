"""Races on PostgreSQL: real threads with their own connections, released together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from hod.testing import WEEKDAY_MORNING, consumer, database_url, make_agent, request_referral, wait_until
from intake.services import KeyReused, PhoneLimitReached, request_form, submit
from referrals.models import OPEN_STATUSES, Offer, Outcome, Referral, Status
from routing import actions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
NOW = WEEKDAY_MORNING
OFF = [{"on": False, "start": "08:00", "end": "17:00"}] * 7


def new_referral(now=NOW, **overrides) -> Referral:
    return request_referral(now, **overrides)


def run_together(workers: list, rounds: int) -> None:
    """Each worker runs `rounds` times; a barrier releases all of them at once per round."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def loop(work) -> None:
        try:
            for round_ in range(rounds):
                barrier.wait()
                work(round_)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_fifty_agents_accepting_one_safety_net_referral_make_exactly_one_winner():
    agents = [make_agent(f"Agent{i}", languages=["es"], weekly=OFF) for i in range(50)]
    rounds = 100
    referrals = [new_referral(phone=f"602-555-{1000 + r:04d}") for r in range(rounds)]
    offers = {
        (o.referral_id, o.agent_id): o.pk
        for o in Offer.objects.filter(kind="safety_net").only("pk", "referral_id", "agent_id")
    }
    results: list[list[str]] = [[""] * len(agents) for _ in range(rounds)]

    def worker(index: int):
        agent = agents[index]

        def work(round_: int) -> None:
            referral = referrals[round_]
            result = actions.accept(offers[(referral.pk, agent.pk)], agent, NOW + timedelta(hours=1))
            results[round_][index] = result.value

        return work

    run_together([worker(i) for i in range(len(agents))], rounds)
    for round_, referral in enumerate(referrals):
        assert sorted(results[round_]).count("accepted") == 1, results[round_]
        assert results[round_].count("taken") == len(agents) - 1
        winner = agents[results[round_].index("accepted")]
        referral.refresh_from_db()
        assert referral.status == Status.ACCEPTED
        assert referral.accepted_by_id == winner.pk
        assert Offer.objects.filter(referral=referral, outcome=Outcome.ACCEPTED).count() == 1


def test_accept_and_expiry_at_the_same_instant_have_one_consistent_outcome():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    rounds = 60
    referrals = [new_referral(phone=f"602-555-{2000 + r:04d}") for r in range(rounds)]
    offers = [Offer.objects.get(referral=r, agent=ana).pk for r in referrals]
    deadline = NOW + timedelta(minutes=15)
    accepted: list[str] = [""] * rounds

    def accepter(round_: int) -> None:
        # The last microsecond of the window: legitimate, and racing the dispatcher.
        accepted[round_] = actions.accept(offers[round_], ana, deadline - timedelta(microseconds=1)).value

    def expirer(round_: int) -> None:
        actions.expire_due_offers(deadline, limit=1)

    run_together([accepter, expirer], rounds)
    outcomes = set()
    for round_, referral in enumerate(referrals):
        referral.refresh_from_db()
        offer = Offer.objects.get(pk=offers[round_])
        if accepted[round_] == "accepted":
            assert offer.outcome == Outcome.ACCEPTED
            assert referral.status == Status.ACCEPTED and referral.accepted_by_id == ana.pk
            assert not Offer.objects.filter(referral=referral, outcome=Outcome.PENDING).exists()
        else:
            assert accepted[round_] in {"expired", "decided"}
            assert offer.outcome == Outcome.EXPIRED
            assert referral.status == Status.OFFERED
            assert Offer.objects.get(referral=referral, outcome=Outcome.PENDING).agent.first_name == "Diego"
        outcomes.add(offer.outcome)
    assert outcomes <= {Outcome.ACCEPTED, Outcome.EXPIRED}


def _dispatcher(tmp_path, batch: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "HOD_PLAN_YEAR": "2027",
        "HOD_DISPATCH_BATCH": str(batch),
        "HOD_EXPIRY_BATCH": str(batch),
        "HOD_DISPATCH_POLL_SECONDS": "0",
        "HOD_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "dispatch"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL
    )


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_two_more_finish_the_work(tmp_path):
    agents = [
        make_agent(f"A{i}", zip_code=z, languages=["es"]) for i, z in enumerate(["85003", "85701", "85301", "85201"])
    ]
    # Offers made 16 minutes ago are due now, by the real clock the dispatcher reads.
    from django.utils import timezone

    then = timezone.now() - timedelta(minutes=16)
    for agent in agents:
        agent.schedule.weekly = [{"on": True, "start": "00:00", "end": "24:00"}] * 7
        agent.schedule.save()
    count = 300
    for r in range(count):
        new_referral(now=then, phone=f"602-555-{3000 + r:04d}")
    first_round = set(Offer.objects.filter(outcome=Outcome.PENDING).values_list("pk", flat=True))
    assert len(first_round) == count

    victim = _dispatcher(tmp_path, batch=25)
    moved = wait_until(lambda: Offer.objects.filter(pk__in=first_round, outcome=Outcome.EXPIRED).count() >= 30, 60)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert moved, "the dispatcher made no progress"
    done_before_restart = Offer.objects.filter(pk__in=first_round, outcome=Outcome.EXPIRED).count()
    assert done_before_restart < count, "the kill came too late to land mid-batch"

    # Two dispatchers share the rest of the work.
    survivors = [_dispatcher(tmp_path, batch=25), _dispatcher(tmp_path, batch=25)]
    try:
        finished = wait_until(
            lambda: not Offer.objects.filter(pk__in=first_round, outcome=Outcome.PENDING).exists(), 120
        )
    finally:
        for survivor in survivors:
            survivor.send_signal(signal.SIGTERM)
        for survivor in survivors:
            assert survivor.wait(timeout=30) == 0, "a dispatcher did not stop cleanly on SIGTERM"
    assert finished
    assert Referral.objects.count() == count
    for referral in Referral.objects.all():
        direct = list(referral.offers.filter(kind="direct"))
        assert len({o.agent_id for o in direct}) == len(direct), "an agent was offered the same referral twice"
        pending = [o for o in direct if o.outcome == Outcome.PENDING]
        if referral.status == Status.OFFERED:
            assert len(pending) == 1
        else:
            assert referral.status == Status.SAFETY_NET and not pending
        assert sorted(o.rank for o in direct) == list(range(1, len(direct) + 1))


def test_a_safety_net_notice_sent_while_the_referral_is_taken_stays_recorded_as_sent():
    """The delivery loop records a notice as sent while an acceptance cancels the rest: the
    acceptance waits for that row and must then leave it sent, not call it cancelled."""
    from notifications.models import Message, MessageState

    weekly = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    ana = make_agent("Ana", languages=["es"], contact="email_only", weekly=weekly)
    emma = make_agent("Emma", languages=["es"], contact="email_only", weekly=weekly)
    referral = new_referral()
    assert referral.status == Status.SAFETY_NET
    notice = Message.objects.get(offer__agent=ana)
    recorder_holds_the_row, recorded = threading.Event(), threading.Event()

    def delivery_loop() -> None:
        try:
            with transaction.atomic():
                Message.objects.filter(pk=notice.pk).update(state=MessageState.SENT)
                recorder_holds_the_row.set()
                recorded.wait(10)
        finally:
            connection.close()

    recorder = threading.Thread(target=delivery_loop)
    recorder.start()
    assert recorder_holds_the_row.wait(10)
    emma_offer = Offer.objects.get(referral=referral, agent=emma)
    acceptance = threading.Thread(target=lambda: (actions.accept(emma_offer.pk, emma, NOW), connection.close()))
    acceptance.start()
    # Let the acceptance reach the locked row and wait on it, then let the recorder commit.
    assert wait_until(lambda: _waiting_on_a_lock(), 10)
    recorded.set()
    recorder.join(10)
    acceptance.join(10)
    assert Offer.objects.get(pk=emma_offer.pk).outcome == Outcome.ACCEPTED
    assert Message.objects.get(pk=notice.pk).state == MessageState.SENT


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return bool(cursor.fetchone()[0])


def test_an_expiry_that_loses_a_deadlock_is_retried_at_once_not_set_aside():
    """The dispatcher locks the referral, then the missed agent's row (to pause her); another
    transaction holds her row and then wants the referral. PostgreSQL breaks the cycle by
    failing the dispatcher's step: the referral must come back on the next round."""
    from agents.models import Agent

    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    referral = new_referral()
    holds_ana, dispatcher_waits = threading.Event(), threading.Event()

    def other() -> None:
        try:
            with transaction.atomic():
                Agent.objects.filter(pk=ana.pk).update(last_name="Tester")
                holds_ana.set()
                dispatcher_waits.wait(10)
                list(Referral.objects.select_for_update().filter(pk=referral.pk))  # closes the cycle
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    assert holds_ana.wait(10)
    watcher = threading.Thread(
        target=lambda: (wait_until(_waiting_on_a_lock, 10) and dispatcher_waits.set(), connection.close())
    )
    watcher.start()
    failed: list[int] = []
    due = NOW + timedelta(minutes=15)
    assert actions.expire_due_offers(due, failed=failed) == 0  # the deadlock's victim
    thread.join(10)
    watcher.join(10)
    assert failed == []  # not quarantined…
    assert actions.expire_due_offers(due, failed=failed) == 1  # …and done on the next round
    assert Offer.objects.get(referral=referral, outcome=Outcome.PENDING).agent == diego


def ask(phone: str, now=NOW) -> tuple[Referral, bool]:
    form = request_form(consumer(phone=phone), now)
    assert form.is_valid(), form.errors
    return submit(form, now)


def test_the_same_request_sent_twenty_times_at_once_is_one_referral_with_one_offer():
    make_agent("Ana", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    rounds, senders = 10, 20
    answers: list[list[tuple[int, bool]]] = [[(0, False)] * senders for _ in range(rounds)]

    def sender(index: int):
        def work(round_: int) -> None:
            referral, created = ask(f"602-555-{3000 + round_:04d}")
            answers[round_][index] = (referral.pk, created)

        return work

    run_together([sender(i) for i in range(senders)], rounds)
    for round_ in range(rounds):
        assert len({pk for pk, _created in answers[round_]}) == 1, answers[round_]
        assert [created for _pk, created in answers[round_]].count(True) == 1
    assert Referral.objects.count() == rounds
    assert Offer.objects.count() == rounds  # each offered once, to one agent


def test_one_key_sent_at_once_for_two_people_stores_one_and_refuses_the_other():
    """Ten clients send one Idempotency-Key at the same instant, five for Carmen and five
    for Luis: one referral is stored, the senders of its details all get it, and every
    sender of the other details is refused (KeyReused), nothing of theirs stored."""
    make_agent("Ana", languages=["es"])
    rounds, senders = 10, 10
    answers: list[list[object]] = [[None] * senders for _ in range(rounds)]

    def sender(index: int):
        name = "Carmen" if index % 2 else "Luis"

        def work(round_: int) -> None:
            form = request_form(consumer(first_name=name, phone=f"602-555-{6000 + round_:04d}"), NOW)
            assert form.is_valid(), form.errors
            try:
                referral, _created = submit(form, NOW, idempotency_key=f"client-{round_}")
                answers[round_][index] = (name, referral.pk)
            except KeyReused:
                answers[round_][index] = (name, "refused")

        return work

    run_together([sender(i) for i in range(senders)], rounds)
    for round_, answered in enumerate(answers):
        stored = Referral.objects.get(idempotency_key=f"client-{round_}")
        for name, outcome in answered:
            assert outcome == (stored.pk if name == stored.first_name else "refused"), answered
    assert Referral.objects.count() == rounds
    assert Offer.objects.count() == rounds


def test_a_request_repeated_while_an_agent_accepts_it_is_found_or_stored_afresh_never_lost():
    ana = make_agent("Ana", languages=["es"])
    rounds = 40
    firsts = [ask(f"602-555-{4000 + r:04d}")[0] for r in range(rounds)]
    offers = [Offer.objects.get(referral=r, agent=ana).pk for r in firsts]
    repeats: list[tuple[Referral, bool] | None] = [None] * rounds
    accepted: list[str] = [""] * rounds

    def accepter(round_: int) -> None:
        accepted[round_] = actions.accept(offers[round_], ana, NOW + timedelta(minutes=1)).value

    def repeater(round_: int) -> None:
        repeats[round_] = ask(f"602-555-{4000 + round_:04d}", NOW + timedelta(minutes=1))

    run_together([accepter, repeater], rounds)
    assert accepted == ["accepted"] * rounds
    for first, answer in zip(firsts, repeats, strict=True):
        assert answer is not None
        referral, created = answer
        # Found while it was open, or, once Ana had it, asked afresh: never an error, never lost.
        assert (referral.pk == first.pk and not created) or (referral.pk != first.pk and created)
        assert Referral.objects.filter(phone=first.phone, status__in=OPEN_STATUSES).count() <= 1


def test_a_repeat_whose_request_is_accepted_between_its_failed_insert_and_the_look_up_is_stored_afresh():
    """The narrow window of `submit`: the INSERT fails on the open request's fingerprint,
    then, before the look-up, Ana accepts that request from her own connection. Nothing is
    left open to answer with, so the request is stored and routed afresh, not refused."""
    ana = make_agent("Ana", languages=["es"])
    first, _created = ask("602-555-5000")
    offer = Offer.objects.get(referral=first, agent=ana)
    accepted: list[str] = []

    def ana_accepts() -> None:
        try:
            accepted.append(actions.accept(offer.pk, ana, NOW + timedelta(minutes=1)).value)
        finally:
            connection.close()

    def accept_after_the_failed_insert(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except IntegrityError:
            if not accepted:  # the first failure only
                thread = threading.Thread(target=ana_accepts)
                thread.start()
                thread.join()
            raise

    with connection.execute_wrapper(accept_after_the_failed_insert):
        again, created = ask("602-555-5000", NOW + timedelta(minutes=1))
    assert accepted == ["accepted"]
    first.refresh_from_db()
    assert (first.status, first.accepted_by) == (Status.ACCEPTED, ana)
    assert created and again.pk != first.pk and again.status in OPEN_STATUSES
    assert Referral.objects.filter(phone="+16025555000").count() == 2


def test_twenty_people_asking_at_once_on_one_phone_store_exactly_the_limit():
    """HOD_REQUESTS_PER_PHONE (5) holds however many arrive at once: requests for one number
    take turns, so a script cannot slip a burst past the count."""
    make_agent("Ana", languages=["es"])
    rounds, senders = 5, 20
    stored: list[list[bool]] = [[False] * senders for _ in range(rounds)]

    def sender(index: int):
        def work(round_: int) -> None:
            form = request_form(consumer(first_name=f"Carmen{chr(97 + index)}", phone=f"602-555-{6000 + round_}"), NOW)
            assert form.is_valid(), form.errors
            try:
                _referral, stored[round_][index] = submit(form, NOW)
            except PhoneLimitReached:
                stored[round_][index] = False

        return work

    run_together([sender(i) for i in range(senders)], rounds)
    assert [row.count(True) for row in stored] == [5] * rounds
    assert Referral.objects.count() == 5 * rounds
