"""The dispatcher as a real process on PostgreSQL: woken by NOTIFY the moment a message is
committed, and killed between sending and recording without losing a message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hod.testing import database_url, wait_until
from notifications import outbox
from notifications.delivery import channel, deliver_due, lease
from notifications.models import Message, MessageState
from notifications.tests.peers import Answer, SmsProvider

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def start_dispatcher(tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "dispatch"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url(), "HOD_VAR_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.DEVNULL,
    )


def listening() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN hod_outbox'")
        return bool(cursor.fetchone()[0])


def test_a_committed_message_wakes_an_idle_dispatcher_at_once(tmp_path: Path, stopped_at_end: list[Any]) -> None:
    # The dispatcher would not poll again for an hour: only the NOTIFY can bring it.
    stopped_at_end.append(start_dispatcher(tmp_path, HOD_DISPATCH_POLL_SECONDS="3600"))
    assert wait_until(listening, 30), "the dispatcher never started listening"
    log = tmp_path / "outbox" / "email.log"
    with transaction.atomic():
        outbox.enqueue("email", "ana@agents.example", "test_text", {}, timezone.now())
        committed_nothing_yet = not log.exists()
    committed = time.monotonic()
    assert committed_nothing_yet, "sent before its transaction committed"
    assert wait_until(lambda: log.exists() and "ana@agents.example" in log.read_text(), 10)
    assert time.monotonic() - committed < 5  # woken: the next poll is an hour away
    assert wait_until(lambda: Message.objects.get().state == MessageState.SENT, 10)  # and recorded


def test_a_rolled_back_message_wakes_nobody_and_is_never_sent(tmp_path: Path, stopped_at_end: list[Any]) -> None:
    stopped_at_end.append(start_dispatcher(tmp_path, HOD_DISPATCH_POLL_SECONDS="3600"))
    assert wait_until(listening, 30)
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("email", "ana@agents.example", "test_text", {}, timezone.now())
        raise RuntimeError("the state change failed")
    with transaction.atomic():
        outbox.enqueue("email", "emma@agents.example", "test_text", {}, timezone.now())
    log = tmp_path / "outbox" / "email.log"
    assert wait_until(lambda: log.exists() and "emma@agents.example" in log.read_text(), 10)
    assert "ana@agents.example" not in log.read_text()


def test_a_dispatcher_killed_between_send_and_record_sends_at_most_once_more(
    tmp_path: Path, settings: Any, stopped_at_end: list[Any]
) -> None:
    provider = SmsProvider()
    provider.start()
    try:
        now = timezone.now()
        first = outbox.enqueue("sms", "+16025550101", "test_text", {}, now)
        second = outbox.enqueue("sms", "+16025550102", "test_text", {}, now)
        sms = {
            "HOD_CHANNEL_SMS": "notifications.channels.sms.SmsChannel",
            "HOD_SMS_API_URL": provider.url,
            "HOD_SMS_ACCOUNT_SID": "AC123",
            "HOD_SMS_AUTH_TOKEN": "secret",
            "HOD_SMS_FROM": "+16025550000",
        }
        # The provider takes the first text, and the dispatcher dies before it hears so.
        started: list[subprocess.Popen[bytes]] = []
        provider.answers.append(Answer(status=201, then=lambda: started[0].send_signal(signal.SIGKILL)))
        dispatcher = start_dispatcher(tmp_path, HOD_DISPATCH_POLL_SECONDS="0", **sms)
        started.append(dispatcher)
        assert dispatcher.wait(timeout=60) == -signal.SIGKILL
        assert [r["To"] for r in provider.requests] == ["+16025550101"]
        for message in (first, second):
            message.refresh_from_db()
            assert message.state == MessageState.QUEUED  # claimed (leased), never recorded

        # A dispatcher that starts before the lease runs out leaves them alone…
        settings.HOD_CHANNELS = {**settings.HOD_CHANNELS, "sms": sms["HOD_CHANNEL_SMS"]}
        settings.HOD_SMS_API_URL, settings.HOD_SMS_ACCOUNT_SID = provider.url, "AC123"
        settings.HOD_SMS_AUTH_TOKEN, settings.HOD_SMS_FROM = "secret", "+16025550000"
        channel.cache_clear()
        assert deliver_due(now + lease() - timedelta(seconds=1)) == 0
        # …and once it has run out, both go: the first a second time, the second once.
        assert deliver_due(timezone.now() + lease()) == 2
        assert sorted(r["To"] for r in provider.requests) == ["+16025550101", "+16025550101", "+16025550102"]
        assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    finally:
        provider.stop()
        channel.cache_clear()
