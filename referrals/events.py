"""Writing to the append-only event log (R-SEC-4, R-ROUTE-9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referrals.models import Event, Offer, Referral

SYSTEM = "system"


def actor_for_agent(agent_id: int) -> str:
    return f"agent:{agent_id}"


def record(
    kind: str,
    *,
    at: datetime,
    actor: str = SYSTEM,
    referral: Referral | None = None,
    offer: Offer | None = None,
    agent_id: int | None = None,
    **data: Any,
) -> Event:
    return Event.objects.create(
        at=at, kind=kind, actor=actor, referral=referral, offer=offer, agent_id=agent_id, data=data
    )
