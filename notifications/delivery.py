"""Deliver due outbox messages: claim, send outside any transaction, record (R-NOTIFY-3).

A claim moves the message's due time forward by a lease before sending. If the process
dies between sending and recording, the lease runs out and the message is sent again:
at most one duplicate, never a loss.

Each channel is delivered by its own loop (routing.dispatcher), so a slow text provider
never holds up an email, and no provider holds up the expiry of offers. Urgent messages go
before bulk ones, and a `Pacer` keeps each loop within its provider's rate.
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils.module_loading import import_string

from lib.inserts import add, add_all
from notifications import destinations
from notifications.channels.base import BaseChannel, DeliveryError
from notifications.models import Attempt, Message, MessageState, Priority
from notifications.rendering import SECRET_KEYS, render
from referrals.models import Outcome

logger = logging.getLogger(__name__)


def lease() -> timedelta:
    return timedelta(seconds=settings.HOD_DELIVERY_LEASE_SECONDS)


class Pacer:
    """At most `rate` sends a second, in bursts of at most one second's worth (a token
    bucket). `clock` and `sleep` are injectable so tests control time."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self.tokens = 1.0
        self.updated = clock()

    @property
    def burst(self) -> int:
        """How many messages one claim should take: about a second's worth."""
        return max(1, int(self.rate))

    def wait(self) -> None:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            self.sleep((1.0 - self.tokens) / self.rate)
            self.updated = self.clock()
            self.tokens = 1.0
        self.tokens -= 1.0


@cache
def channel(name: str) -> BaseChannel:
    backend: BaseChannel = import_string(settings.HOD_CHANNELS[name])()
    return backend


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with full jitter: base · 2^(n-1), scaled by a random 0.5–1."""
    base = settings.HOD_DELIVERY_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(base, 3600) * random.uniform(0.5, 1.0))  # noqa: S311 - not for security


# PostgreSQL: the claim in one statement. Lock the first due messages that no other
# dispatcher holds, move their due time past the lease, and return them with what sending
# needs from elsewhere: whether their offer is still open, the agent's time zone.
CLAIM_SQL = """
UPDATE notifications_message SET due_at = %(until)s, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM notifications_message
    WHERE state = 'queued' AND due_at <= %(now)s {channels}
    ORDER BY priority, due_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING {columns},
    (SELECT o.outcome FROM referrals_offer o WHERE o.id = notifications_message.offer_id) AS offer_outcome,
    (SELECT a.time_zone FROM agents_agent a WHERE a.id = notifications_message.agent_id) AS agent_time_zone
"""


def _claim(now: datetime, limit: int, channels: Collection[str] | None) -> list[Message]:
    """Take up to `limit` due messages, urgent first, for one lease. A notice about an
    offer that is already over is not sent (it is cancelled here)."""
    if connection.vendor == "postgresql":
        batch = _claim_in_one_statement(now, limit, channels)
    else:
        with transaction.atomic():
            due = Message.objects.filter(state=MessageState.QUEUED, due_at__lte=now).order_by(
                "priority", "due_at", "pk"
            )
            if channels is not None:
                due = due.filter(channel__in=channels)
            batch = list(due.select_related("offer", "agent")[:limit])
            for message in batch:
                message.offer_outcome = message.offer.outcome if message.offer else None  # type: ignore[attr-defined]
                message.agent_time_zone = message.agent.time_zone if message.agent else None  # type: ignore[attr-defined]
            Message.objects.filter(pk__in=[m.pk for m in batch]).update(
                due_at=now + lease(), attempts=F("attempts") + 1
            )
    over = [m.pk for m in batch if m.offer_outcome not in (None, Outcome.PENDING)]  # type: ignore[attr-defined]
    if over:
        Message.objects.filter(pk__in=over).update(state=MessageState.CANCELLED, attempts=F("attempts") - 1)
    return [m for m in batch if m.pk not in over]


def _claim_in_one_statement(now: datetime, limit: int, channels: Collection[str] | None) -> list[Message]:
    """`_claim`'s reading and leasing as one statement, committed at once (a claim was four
    round trips and an ORM join; each delivery loop claims many times a second)."""
    quote = connection.ops.quote_name
    # As the messages stood when claimed, like the other path: attempts before this one.
    columns = ", ".join(
        f"{quote(f.column)} - 1 AS {quote(f.column)}" if f.name == "attempts" else quote(f.column)
        for f in Message._meta.concrete_fields
    )
    params: dict[str, Any] = {"now": now, "until": now + lease(), "limit": limit}
    where = ""
    if channels is not None:
        where, params["channels"] = "AND channel = ANY(%(channels)s)", list(channels)
    # Names come from the model's own fields; every value is a parameter.
    sql = CLAIM_SQL.format(channels=where, columns=columns)  # noqa: S608
    batch = list(Message.objects.raw(sql, params))  # autocommit: claimed for all to see at once
    batch.sort(key=lambda message: (message.priority, message.pk))
    return batch


def _record_sent(sent: list[tuple[Message, int]], now: datetime) -> None:
    """Record a claim's successful sends together: one INSERT of their attempts, one UPDATE
    (messages that carried a secret path are updated one by one, to drop it). A crash
    before this runs re-sends them after the lease: at most one duplicate, as ever."""
    if not sent:
        return
    add_all([Attempt(message=message, at=now, ok=True, duration_ms=duration_ms) for message, duration_ms in sent])
    plain = []
    for message, _duration in sent:
        if any(key in message.data for key in SECRET_KEYS):
            data = {k: v for k, v in message.data.items() if k not in SECRET_KEYS}
            Message.objects.filter(pk=message.pk).update(state=MessageState.SENT, sent_at=now, last_error="", data=data)
        else:
            plain.append(message.pk)
    Message.objects.filter(pk__in=plain).update(state=MessageState.SENT, sent_at=now, last_error="")


def _record_failure(message: Message, now: datetime, error: DeliveryError, duration_ms: int) -> None:
    attempts = message.attempts + 1
    reason = message.without_address(str(error))[:500]  # a refusal often names the address
    add(Attempt(message=message, at=now, ok=False, error=reason, duration_ms=duration_ms))
    logger.warning("delivery of message %s failed (attempt %s): %s", message.pk, attempts, reason)
    if error.permanent or attempts >= settings.HOD_DELIVERY_MAX_ATTEMPTS:
        Message.objects.filter(pk=message.pk).update(state=MessageState.FAILED, last_error=reason)
        if error.permanent:
            destinations.disable(message, str(error), now)  # the agent's own address, told to the agent
        return
    Message.objects.filter(pk=message.pk).update(due_at=now + backoff(attempts), last_error=reason)


def _still_wanted(message: Message) -> bool:
    """A safety-net notice is dropped when it was cancelled after the claim: somebody took
    the referral while this batch was being sent. (Other messages were checked at the claim;
    one look-up each would cost the busiest loop a round trip per message.)"""
    if message.priority != Priority.BULK:
        return True
    return Message.objects.filter(pk=message.pk, state=MessageState.QUEUED).exists()


def deliver_due(
    now: datetime,
    *,
    limit: int | None = None,
    channels: Collection[str] | None = None,
    pacer: Pacer | None = None,
) -> int:
    """Dispatcher unit: send up to `limit` due messages (of `channels`, all by default),
    urgent ones first, at the pacer's rate. Returns how many were claimed."""
    limit = limit or settings.HOD_DISPATCH_BATCH
    if pacer is not None:
        limit = min(limit, pacer.burst)
    batch = _claim(now, limit, channels)
    clock = pacer.clock if pacer is not None else time.monotonic
    claimed_at = clock()
    sent: list[tuple[Message, int]] = []
    for index, message in enumerate(batch):
        if clock() - claimed_at > lease().total_seconds() / 2:
            # A slow provider: give back what is left well before the lease runs out, so
            # another dispatcher can never claim a message this one is still about to send.
            rest = [m.pk for m in batch[index:]]
            Message.objects.filter(pk__in=rest).update(due_at=now, attempts=F("attempts") - 1)
            break
        if pacer is not None:
            pacer.wait()
        if not _still_wanted(message):
            continue
        started = time.monotonic()
        error: DeliveryError | None = None
        try:
            time_zone = message.agent_time_zone or "America/New_York"  # type: ignore[attr-defined]
            channel(message.channel).send(render(message, time_zone))
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - a bug or an unexpected provider answer: retry, and say so
            error = DeliveryError(f"{type(exc).__name__}: {exc}")
            # Where it happened, but the exception's own text without the address it may name.
            where = "".join(traceback.format_tb(exc.__traceback__))
            reason = message.without_address(str(error))
            logger.error("unexpected error delivering message %s: %s\n%s", message.pk, reason, where)
        duration_ms = int((time.monotonic() - started) * 1000)
        if error is None:
            sent.append((message, duration_ms))
        else:
            _record_failure(message, now, error, duration_ms)
    _record_sent(sent, now)
    return len(batch)
