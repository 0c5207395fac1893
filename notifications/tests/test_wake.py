"""In the embedded service (one process, SQLite) the dispatcher's delivery loops wake the
moment a message is committed, without waiting for their next poll."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, wait_until
from notifications import outbox, wake
from notifications.channels import locmem
from notifications.delivery import channel
from notifications.tests.peers import Answer, SmsProvider
from referrals.models import Offer
from routing.dispatcher import Dispatcher

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
NOW = WEEKDAY_MORNING


def test_a_new_offer_wakes_the_delivery_loops_at_once(settings: Any) -> None:
    settings.HOD_DISPATCH_POLL_SECONDS = 3600  # only the bell can bring them now
    ana = make_agent("Ana", languages=["es"], contact="email_text")
    stop = threading.Event()
    dispatcher = threading.Thread(target=Dispatcher(clock=lambda: NOW + timedelta(seconds=1)).loop, args=(stop,))
    dispatcher.start()
    try:
        assert wait_until(lambda: threading.active_count() >= 5, 10)  # routing, email, text, app loops
        time.sleep(0.2)  # let every loop finish its first (empty) round and go idle
        committed = time.monotonic()
        request_referral(NOW)
        assert wait_until(lambda: len(locmem.outbox) == 3, 10)
        assert time.monotonic() - committed < 5  # woken: the next poll is an hour away
        sent = {(m.channel, m.to) for m in locmem.outbox}
        assert sent == {("email", ana.email), ("sms", ana.phone), ("email", "carmen@example.com")}
    finally:
        stop.set()
        dispatcher.join(10)
    assert not dispatcher.is_alive(), "the dispatcher did not stop"


def test_messages_committed_moments_apart_go_out_in_one_claim(settings: Any) -> None:
    """A burst of intake commits in quick succession: the loop woken by the first gathers
    the next ones for `HOD_DELIVERY_GATHER_SECONDS`, then sends them together."""
    settings.HOD_DISPATCH_POLL_SECONDS = 3600
    settings.HOD_DELIVERY_GATHER_SECONDS = 2.0
    ticks = iter(range(1, 10_000))
    stop = threading.Event()
    clock = lambda: NOW + timedelta(seconds=next(ticks))  # noqa: E731 - every claim at a later instant
    dispatcher = threading.Thread(target=Dispatcher(clock=clock).loop, args=(stop,))
    dispatcher.start()
    try:
        time.sleep(0.2)  # every loop idle
        first = outbox.enqueue("email", "ana@agents.example", "test_text", {}, NOW)
        time.sleep(0.3)
        assert locmem.outbox == []  # held for the rest of the burst
        second = outbox.enqueue("email", "emma@agents.example", "test_text", {}, NOW)
        assert wait_until(lambda: len(locmem.outbox) == 2, 10)
    finally:
        stop.set()
        dispatcher.join(10)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.sent_at == second.sent_at  # one claim


def test_nothing_is_sent_before_its_transaction_commits(settings: Any) -> None:
    settings.HOD_DISPATCH_POLL_SECONDS = 3600
    stop = threading.Event()
    dispatcher = threading.Thread(target=Dispatcher(clock=lambda: NOW + timedelta(seconds=1)).loop, args=(stop,))
    dispatcher.start()
    try:
        time.sleep(0.2)
        with transaction.atomic():
            outbox.enqueue("email", "ana@agents.example", "test_text", {}, NOW)
            time.sleep(0.3)  # a slow transaction: the loops must not be woken before it ends
            assert locmem.outbox == []
        assert wait_until(lambda: len(locmem.outbox) == 1, 10)
    finally:
        stop.set()
        dispatcher.join(10)


def test_a_hanging_text_provider_holds_up_neither_the_offers_nor_the_email(settings: Any) -> None:
    provider = SmsProvider()
    release = threading.Event()
    provider.answers.append(Answer(then=lambda: release.wait(30)))  # the first text hangs
    provider.start()
    settings.HOD_CHANNELS = {**settings.HOD_CHANNELS, "sms": "notifications.channels.sms.SmsChannel"}
    settings.HOD_SMS_API_URL, settings.HOD_SMS_ACCOUNT_SID = provider.url, "AC123"
    settings.HOD_SMS_AUTH_TOKEN, settings.HOD_SMS_FROM, settings.HOD_SMS_TIMEOUT_SECONDS = "t", "+16025550000", 30
    channel.cache_clear()
    make_agent("Ana", languages=["es"], contact="email_text")
    diego = make_agent("Diego", zip_code="85701", languages=["es"], contact="email_only")
    referral = request_referral(NOW)
    stop = threading.Event()
    # The dispatcher wakes 15 minutes later: Ana's text goes out (and hangs), her offer is due.
    dispatcher = threading.Thread(target=Dispatcher(clock=lambda: NOW + timedelta(minutes=15)).loop, args=(stop,))
    dispatcher.start()
    try:
        assert wait_until(lambda: provider.requests, 10)
        assert wait_until(lambda: diego.email in [m.to for m in locmem.outbox], 10)
        assert Offer.objects.get(referral=referral, outcome="pending").agent == diego
        assert not release.is_set() and len(provider.requests) == 1  # still hanging
    finally:
        release.set()
        stop.set()
        dispatcher.join(30)
        provider.stop()
        channel.cache_clear()
    assert not dispatcher.is_alive()


def test_routing_and_delivery_can_run_in_separate_dispatchers(settings: Any) -> None:
    """`dispatch --loops routing` routes on and leaves the messages to a `--loops email` one."""
    make_agent("Ana", languages=["es"], contact="email_only")
    diego = make_agent("Diego", zip_code="85701", languages=["es"], contact="email_only")
    referral = request_referral(NOW)
    locmem.outbox.clear()
    later = Dispatcher(clock=lambda: NOW + timedelta(minutes=15))
    stop = threading.Event()
    router = threading.Thread(target=later.loop, args=(stop, ["routing"]))
    router.start()
    try:
        assert wait_until(lambda: Offer.objects.filter(referral=referral, outcome="pending", agent=diego).exists(), 10)
        names = {thread.name for thread in threading.enumerate()}
        assert "dispatch-routing" in names and not {"dispatch-email", "dispatch-sms", "dispatch-push"} & names
        assert locmem.outbox == []
    finally:
        stop.set()
        router.join(10)
    stop = threading.Event()
    sender = threading.Thread(target=later.loop, args=(stop, ["email"]))
    sender.start()
    try:
        assert wait_until(lambda: diego.email in [m.to for m in locmem.outbox], 10)
    finally:
        stop.set()
        sender.join(10)
    assert not router.is_alive() and not sender.is_alive()


def test_dispatch_names_an_unknown_loop() -> None:
    with pytest.raises(CommandError, match="unknown loop fax; choose from routing, email, sms, push"):
        call_command("dispatch", "--loops", "routing,fax")


def test_dispatch_names_an_unknown_loop_in_the_sites_language(settings: Any) -> None:
    settings.LANGUAGE_CODE = "es"
    with pytest.raises(CommandError, match="bucle desconocido fax; elija entre routing, email, sms, push"):
        call_command("dispatch", "--loops", "fax")


def test_one_announcement_per_transaction_even_after_a_rolled_back_savepoint() -> None:
    from django.db import connection

    def bells() -> int:
        return sum(entry[1] == wake.bell.ring for entry in connection.run_on_commit)

    with transaction.atomic():
        for n in range(3):
            outbox.enqueue("email", f"agent{n}@agents.example", "test_text", {}, NOW)
        assert bells() == 1
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue("email", "ana@agents.example", "test_text", {}, NOW)
            raise RuntimeError("this part is undone, its bell with it")
        assert bells() == 0
        outbox.enqueue("email", "emma@agents.example", "test_text", {}, NOW)
        assert bells() == 1


@pytest.mark.postgres
def test_the_outbox_announces_its_new_rows_to_other_processes_at_commit_only() -> None:
    """On PostgreSQL the dispatchers in other processes hear of new messages from the
    outbox table itself: one notification per committed transaction, none for a rolled-back
    one, and the writer sends no NOTIFY of its own."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as listener:
        listener.execute(f"LISTEN {wake.CHANNEL}")

        def heard() -> int:
            return sum(1 for _ in listener.notifies(timeout=0.5, stop_after=10))

        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            for n in range(3):
                outbox.enqueue("email", f"agent{n}@agents.example", "test_text", {}, NOW)
        assert not [q for q in queries.captured_queries if "NOTIFY" in q["sql"].upper()]
        assert heard() == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue("email", "ana@agents.example", "test_text", {}, NOW)
            raise RuntimeError("rolled back, its announcement with it")
        assert heard() == 0
