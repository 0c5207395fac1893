"""The dispatcher: loops over units of work that each say whether more is waiting.

One loop expires due offers and routes on, closes stale safety-net referrals, sends
contact reminders and erases consumer data past its time (referrals.retention); each
channel (email, text, app) has a delivery loop of its own, paced to its provider's rate,
so a slow provider delays neither the offers' 15 minutes nor the other channels
(R-NOTIFY-3). Delivery loops wake the moment a message is committed (notifications.wake:
LISTEN/NOTIFY on PostgreSQL, an in-process bell on SQLite), gather what else is committed
in the next `HOD_DELIVERY_GATHER_SECONDS`, and otherwise poll.

Several dispatchers may run at once (on PostgreSQL): every unit claims its rows with
SKIP LOCKED, and a claim that was never committed is simply claimed again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from notifications import wake
from notifications.delivery import Pacer, deliver_due
from referrals.retention import erase_consumer_data
from referrals.services import send_contact_reminders
from routing.actions import close_stale_safety_net, expire_due_offers

logger = logging.getLogger(__name__)
BACKOFF = timedelta(seconds=60)
LOOPS = ("routing", *settings.HOD_CHANNELS)


class Dispatcher:
    def __init__(self, clock: Callable[[], datetime] = timezone.now) -> None:
        self.clock = clock
        self.batch = settings.HOD_DISPATCH_BATCH
        # Referrals that failed recently, and when they may be tried again.
        self.quarantine: dict[int, datetime] = {}

    def route_once(self) -> bool:
        """Expire, close, remind and erase once; True when any of them filled its batch."""
        now = self.clock()
        self.quarantine = {rid: until for rid, until in self.quarantine.items() if until > now}
        failed: list[int] = []
        expiry_batch = settings.HOD_EXPIRY_BATCH
        expired = expire_due_offers(now, limit=expiry_batch, skip=frozenset(self.quarantine), failed=failed)
        for referral_id in failed:
            self.quarantine[referral_id] = now + BACKOFF
        closed = close_stale_safety_net(self.clock(), limit=self.batch)
        reminded = send_contact_reminders(self.clock(), limit=self.batch)
        erased = erase_consumer_data(self.clock(), limit=self.batch)
        return expired + len(failed) >= expiry_batch or max(closed, reminded, erased) >= self.batch

    def deliver_once(self, channel: str, pacer: Pacer) -> bool:
        """Send one claim's worth of one channel's due messages; True when it was full."""
        return deliver_due(self.clock(), channels=[channel], pacer=pacer) >= min(self.batch, pacer.burst)

    def run_once(self) -> bool:
        """Every unit once, in this thread, unpaced (tests and one-off runs)."""
        routed = self.route_once()
        return deliver_due(self.clock(), limit=self.batch) >= self.batch or routed

    def loop(self, stop: threading.Event, loops: Collection[str] = ()) -> None:
        """Run each loop (`routing` and one per channel; all when `loops` is empty) in its own
        thread until `stop` is set. A deployment may run routing and delivery in separate
        processes, so that a burst of expiries never shares a core with its own messages.
        The process has loaded what the rounds use before (`hod.startup.settle`, called by
        `serve` and `dispatch`)."""
        loops = loops or LOOPS
        logger.info("dispatcher started: %s", ", ".join(loops))
        threads = []
        if "routing" in loops:
            threads.append(
                threading.Thread(target=self._repeat, args=(self.route_once, stop, None), name="dispatch-routing")
            )
        for channel in settings.HOD_CHANNELS:
            if channel not in loops:
                continue
            work = partial(self.deliver_once, channel, Pacer(settings.HOD_SEND_RATES[channel]))
            bell = wake.bell.subscribe()
            threads.append(threading.Thread(target=self._repeat, args=(work, stop, bell), name=f"dispatch-{channel}"))
        if connection.vendor == "postgresql" and set(loops) & set(settings.HOD_CHANNELS):
            threads.append(threading.Thread(target=wake.Listener(stop).run, name="dispatch-listener"))
        for thread in threads:
            thread.start()
        stop.wait()
        wake.bell.ring()  # let the delivery loops see `stop` now
        for thread in threads:
            thread.join()
        logger.info("dispatcher stopped")

    def _repeat(self, work: Callable[[], bool], stop: threading.Event, bell: threading.Event | None) -> None:
        poll = settings.HOD_DISPATCH_POLL_SECONDS or 0.05
        gather = settings.HOD_DELIVERY_GATHER_SECONDS
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    more = work()
                except Exception:
                    # Never crash-loop: log, wait, try again. Rows are safe in the database.
                    logger.exception("dispatcher round failed")
                    more = False
                if more:
                    continue
                if bell is None:
                    stop.wait(poll)
                    continue
                if bell.wait(poll) and gather:
                    # Woken by a commit: let the burst it belongs to land, then send it in
                    # one claim (a claim a message costs the database more than the sending).
                    stop.wait(gather)
                bell.clear()
        finally:
            if bell is not None:
                wake.bell.unsubscribe(bell)
            connection.close()


def start_in_thread() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=Dispatcher().loop, args=(stop,), name="dispatcher", daemon=True)
    thread.start()
    return thread, stop
