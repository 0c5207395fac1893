"""Health checks for load balancers and monitoring (`/healthz`, `/healthz/dispatch`).

A web process is healthy when its database answers. The dispatchers are healthy when they
keep up: no direct offer left pending more than `HOD_HEALTH_OFFER_LAG_SECONDS` past its 15
minutes (the consumer waits on it), no urgent message left unsent more than
`HOD_HEALTH_MESSAGE_LAG_SECONDS` past its due time (bulk safety-net notices are paced on
purpose and do not count). Whatever dispatcher died or fell behind, the work it left is
what shows. The answers are counts and seconds, never about whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min

from notifications.models import Message, MessageState, Priority
from referrals.models import Offer, OfferKind, Outcome


def database_answers() -> bool:
    """True when the database runs a query now (any error: False)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - a health check reports, it does not raise
        return False


@dataclass(frozen=True)
class Backlog:
    """Work the dispatchers should have done by `now` and have not."""

    offers_overdue: int
    oldest_offer_overdue: timedelta | None  # past its deadline by this much
    messages_overdue: int
    oldest_message_overdue: timedelta | None

    @property
    def behind(self) -> bool:
        return bool(self.offers_overdue or self.messages_overdue)


def backlog(now: datetime) -> Backlog:
    """Offers and urgent messages late by more than the settings' lag (each an indexed range:
    the due offers' partial index; the outbox's per channel and priority)."""
    offer_lag = timedelta(seconds=settings.HOD_HEALTH_OFFER_LAG_SECONDS)
    message_lag = timedelta(seconds=settings.HOD_HEALTH_MESSAGE_LAG_SECONDS)
    offers = Offer.objects.filter(
        outcome=Outcome.PENDING, kind=OfferKind.DIRECT, expires_at__lte=now - offer_lag
    ).aggregate(n=Count("id"), oldest=Min("expires_at"))
    messages = Message.objects.filter(
        state=MessageState.QUEUED,
        channel__in=sorted(settings.HOD_CHANNELS),
        priority=Priority.URGENT,
        due_at__lte=now - message_lag,
    ).aggregate(n=Count("id"), oldest=Min("due_at"))
    return Backlog(
        offers_overdue=offers["n"],
        oldest_offer_overdue=now - offers["oldest"] if offers["oldest"] else None,
        messages_overdue=messages["n"],
        oldest_message_overdue=now - messages["oldest"] if messages["oldest"] else None,
    )
