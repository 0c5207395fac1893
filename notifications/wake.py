"""Wake the dispatcher's delivery loops the moment there is something to send.

On PostgreSQL the outbox table announces itself: a statement trigger on
`notifications_message` (migration 0006) NOTIFYs, which the server delivers at commit (and
drops with a rollback) to every dispatcher process listening (`Listener`). Whoever puts
messages in the outbox still calls `announce()` inside its transaction: that sets this
process's own bell when the transaction commits, which is all the embedded SQLite service
needs. Polling stays as the fallback: a lost wake-up costs at most one poll interval.
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
    """Ring this process's bell when the current transaction commits; once per transaction
    is enough (Django drops the callbacks of a savepoint rolled back, as PostgreSQL drops
    its NOTIFY). Other processes hear of it from the outbox's trigger, with no statement
    here: this runs on the dispatcher's and the intake's busiest paths."""
    if connection.in_atomic_block and any(entry[1] == bell.ring for entry in connection.run_on_commit):
        return
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
