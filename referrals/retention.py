"""Consumer data is kept no longer than the program needs it (R-SEC-1).

`HOD_CONSUMER_DATA_DAYS` after a request (0, the default, keeps it: how long is the program
office's decision under its records schedule), the dispatcher erases what identifies the
consumer:
- the referral's first and last name, phone and email;
- its fingerprint and idempotency key: digests of those details, which a guess could match;
- the address of each message written to the consumer (one still unsent is cancelled).
  Their contents name nobody but the agent, and their delivery errors were stored without
  the address (Message.without_address).

What the program reports on stays: the location, language, statuses, offers and the
referral's log, which gains an `erased` event. A referral still looking for an agent
(offered or in the safety net) is never erased; it is, once accepted or closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from lib.inserts import add_all
from notifications.models import Message, MessageState
from referrals.events import event
from referrals.models import OPEN_STATUSES, Referral


def erasable(now: datetime, days: int) -> QuerySet[Referral]:
    """Referrals whose consumer data is due for erasure at `now`, the oldest first."""
    return (
        Referral.objects.filter(erased_at__isnull=True, created_at__lte=now - timedelta(days=days))
        .exclude(status__in=OPEN_STATUSES)
        .order_by("created_at", "pk")
    )


def erase_consumer_data(now: datetime, *, days: int | None = None, limit: int | None = None) -> int:
    """Dispatcher unit: erase the consumer data of up to `limit` referrals due at `now`
    (`days` old; HOD_CONSUMER_DATA_DAYS unless given, 0: none). Returns how many."""
    days = settings.HOD_CONSUMER_DATA_DAYS if days is None else days
    if not days:
        return 0
    due = erasable(now, days)
    if connection.features.has_select_for_update_skip_locked:
        # Two dispatchers take different referrals; one an agent is updating waits a round.
        due = due.select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic():
        ids = list(due.values_list("pk", flat=True)[: limit or settings.HOD_DISPATCH_BATCH])
        if not ids:
            return 0
        Referral.objects.filter(pk__in=ids).update(
            first_name="", last_name="", phone="", email="", fingerprint=None, idempotency_key=None, erased_at=now
        )
        to_consumer = Message.objects.filter(referral_id__in=ids, agent__isnull=True)
        to_consumer.filter(state=MessageState.QUEUED).update(state=MessageState.CANCELLED)
        to_consumer.update(to="")
        add_all([event("erased", now, referral=Referral(pk=pk), days=days) for pk in ids])
    return len(ids)
