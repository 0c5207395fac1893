"""The dispatcher: a thin loop over units of work that each say whether more is waiting.

Several dispatchers may run at once (on PostgreSQL): every unit claims its rows with
SKIP LOCKED, and a claim that was never committed is simply claimed again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from notifications.delivery import deliver_due
from referrals.services import send_contact_reminders
from routing.actions import EXPIRY_BATCH, close_stale_safety_net, expire_due_offers

logger = logging.getLogger(__name__)
BACKOFF = timedelta(seconds=60)


class Dispatcher:
    def __init__(self, clock: Callable[[], datetime] = timezone.now) -> None:
        self.clock = clock
        self.batch = settings.HOD_DISPATCH_BATCH
        # Referrals that failed recently, and when they may be tried again.
        self.quarantine: dict[int, datetime] = {}

    def run_once(self) -> bool:
        """Do one round of every unit; True when any unit filled its batch."""
        now = self.clock()
        self.quarantine = {rid: until for rid, until in self.quarantine.items() if until > now}
        failed: list[int] = []
        expired = expire_due_offers(now, limit=self.batch, skip=frozenset(self.quarantine), failed=failed)
        for referral_id in failed:
            self.quarantine[referral_id] = now + BACKOFF
        delivered = deliver_due(self.clock(), limit=self.batch)
        closed = close_stale_safety_net(self.clock(), limit=self.batch)
        reminded = send_contact_reminders(self.clock(), limit=self.batch)
        return expired + len(failed) >= min(self.batch, EXPIRY_BATCH) or max(delivered, closed, reminded) >= self.batch

    def loop(self, stop: threading.Event) -> None:
        logger.info("dispatcher started")
        while not stop.is_set():
            close_old_connections()
            try:
                more = self.run_once()
            except Exception:
                # Never crash-loop: log, wait, try again. Rows are safe in the database.
                logger.exception("dispatcher round failed")
                more = False
            if not more:
                stop.wait(settings.HOD_DISPATCH_POLL_SECONDS or 0.05)
        logger.info("dispatcher stopped")


def start_in_thread() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=Dispatcher().loop, args=(stop,), name="dispatcher", daemon=True)
    thread.start()
    return thread, stop
