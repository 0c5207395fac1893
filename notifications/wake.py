"""Wake the dispatcher's delivery loops the moment there is something to send.

Whoever puts messages in the outbox calls `announce()` inside its transaction. On
PostgreSQL that is a `NOTIFY`, which the server delivers at commit (and drops with a
rollback) to every dispatcher process listening (`Listener`); in this process it sets the
local bell when the transaction commits, which is all the embedded SQLite service needs.
Polling stays as the fallback: a lost wake-up costs at most one poll interval.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from django.db import connection, transaction

logger = logging.getLogger(__name__)
CHANNEL = "hod_outbox"


class Bell:
    """A wake-up for any number of waiting loops: each holds its own event."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[threading.Event] = []

    def subscribe(self) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events.append(event)
        return event

    def unsubscribe(self, event: threading.Event) -> None:
        with self._lock:
            self._events = [e for e in self._events if e is not event]

    def ring(self) -> None:
        with self._lock:
            events = list(self._events)
        for event in events:
            event.set()


bell = Bell()


def announce() -> None:
    """Say, inside the current transaction, that the outbox has new messages. Once per
    transaction is enough (the bell's commit callback says it was said and not rolled back
    since: Django drops the callbacks of a savepoint rolled back, as PostgreSQL drops its
    NOTIFY), which spares a round trip per message on the dispatcher's busiest path."""
    if connection.in_atomic_block and any(entry[1] == bell.ring for entry in connection.run_on_commit):
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    transaction.on_commit(bell.ring)


class Listener:
    """A PostgreSQL connection of its own that LISTENs and rings the bell on every
    notification. Reconnects after a failure; meanwhile the loops poll."""

    def __init__(self, stop: threading.Event, *, reconnect_seconds: float = 5.0) -> None:
        self.stop = stop
        self.reconnect_seconds = reconnect_seconds
        self.ready = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._listen()
            except psycopg.Error:
                logger.exception("outbox listener lost its connection; polling until it is back")
            self.ready.clear()
            self.stop.wait(self.reconnect_seconds)

    def _listen(self) -> None:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.ready.set()
            while not self.stop.is_set():
                # Wakes at least once a second to notice `stop`.
                for _notice in conn.notifies(timeout=1.0):
                    bell.ring()
