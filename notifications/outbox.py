"""Putting messages in the outbox, always inside the caller's transaction (STYLE §6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings

from agents.models import Agent
from notifications.models import Channel, Message, MessageState
from referrals.models import Offer, Referral


def _offer_link(offer_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/referrals/offers/{offer_id}/"


def _address(agent: Agent, channel: str) -> str:
    if channel == Channel.EMAIL:
        return agent.email
    if channel == Channel.SMS:
        return agent.phone
    # Web push subscriptions arrive with the notifications issue; until then the agent id
    # stands for "all of this agent's devices".
    return f"agent:{agent.pk}"


def offer_notices(offer: Offer, agent: Agent, referral: Referral, now: datetime) -> list[Message]:
    """A new direct offer: one message per channel of the agent's preferred method.

    Only the location and the deadline are in the data: never the consumer's name or
    contact details (R-SEC-2).
    """
    data = {
        "location": referral.location_label,
        "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
        "link": _offer_link(offer.pk),
    }
    messages = [
        Message(
            channel=channel,
            to=_address(agent, channel),
            template="offer",
            data=data,
            agent=agent,
            offer=offer,
            due_at=now,
            created_at=now,
        )
        for channel in agent.channels
        if _address(agent, channel)
    ]
    return Message.objects.bulk_create(messages)


def safety_net_notices(referral: Referral, recipients: Iterable[tuple[int, str, int]], now: datetime) -> int:
    """Email only (R-NOTIFY-2) to every recipient: (agent id, email, offer id)."""
    data = {"location": referral.location_label, "language": referral.language}
    batch = [
        Message(
            channel=Channel.EMAIL,
            to=email,
            template="safety_net",
            data={**data, "link": _offer_link(offer_id)},
            agent_id=agent_id,
            offer_id=offer_id,
            due_at=now,
            created_at=now,
        )
        for agent_id, email, offer_id in recipients
    ]
    Message.objects.bulk_create(batch, batch_size=2000)
    return len(batch)


def cancel_for_referral(referral: Referral, keep_offer_id: int | None = None) -> int:
    """Stop sending notices about a referral that is no longer open to these agents."""
    queued = Message.objects.filter(offer__referral=referral, state=MessageState.QUEUED)
    if keep_offer_id is not None:
        queued = queued.exclude(offer_id=keep_offer_id)
    return queued.update(state=MessageState.CANCELLED)
