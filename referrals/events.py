"""Writing to the append-only event log (R-SEC-4, R-ROUTE-9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lib.inserts import add
from referrals.models import Event, Offer, Referral

SYSTEM = "system"


def actor_for_agent(agent_id: int) -> str:
    return f"agent:{agent_id}"


def actor_for_operator(user_id: int | None) -> str:
    return f"operator:{user_id}"


def event(
    kind: str,
    at: datetime,
    *,
    actor: str = SYSTEM,
    referral: Referral | None = None,
    offer: Offer | None = None,
    agent_id: int | None = None,
    **data: Any,
) -> Event:
    """An event not yet written (`record` writes one; a batch writes many with `add_all`)."""
    return Event(
        at=at,
        kind=kind,
        actor=actor,
        referral_id=referral.pk if referral is not None else None,
        offer_id=offer.pk if offer is not None else None,
        agent_id=agent_id,
        data=data,
    )


def record(kind: str, *, at: datetime, **fields: Any) -> None:
    """Append one event (the fields of `event`). A plain INSERT (lib.inserts): the log is
    written on every step of every referral, and `Event.save()` adds nothing to a new row."""
    add(event(kind, at, **fields))
