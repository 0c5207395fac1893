"""Putting messages in the outbox, always inside the caller's transaction (STYLE §6)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection

from agents.models import Agent
from lib.inserts import add, add_all, add_together
from notifications import wake
from notifications.models import Channel, Message, MessageState
from referrals.models import Offer, Referral


def _address(agent: Agent, channel: str) -> str:
    if channel == Channel.EMAIL:
        return agent.email
    if channel == Channel.SMS:
        return agent.phone
    # "agent:<id>" stands for all of the agent's devices: the push channel looks up their
    # live subscriptions when it sends (one turned on after the message was queued counts).
    return f"agent:{agent.pk}"


def enqueue(
    channel: str,
    to: str,
    template: str,
    data: dict[str, Any],
    now: datetime,
    *,
    agent: Agent | None = None,
    language: str = "en",
) -> Message:
    """One message about an account (invitation, confirmation, reminder), sent by the
    dispatcher like every other. A `secret_path` in `data` is dropped once it is sent."""
    wake.announce()
    return Message.objects.create(
        channel=channel, to=to, template=template, data=data, agent=agent, language=language,
        due_at=now, created_at=now,
    )  # fmt: skip


def consumer_message(referral: Referral, template: str, data: dict[str, Any], now: datetime) -> Message:
    """A message to the consumer about their own request (R-NOTIFY-4): by email when they
    gave one, else by text, in their language. It names nobody but the agent, never the
    consumer: a mistyped address must not leak who asked for help. Not yet saved."""
    channel, to = (Channel.EMAIL, referral.email) if referral.email else (Channel.SMS, referral.phone)
    return Message(
        channel=channel, to=to, template=template, data={"reference": referral.reference, **data},
        language=referral.notice_language, referral=referral, due_at=now, created_at=now,
    )  # fmt: skip


def consumer_notice(referral: Referral, template: str, data: dict[str, Any], now: datetime) -> Message:
    """`consumer_message`, saved."""
    wake.announce()
    return add(consumer_message(referral, template, data, now))


def agent_messages(agent: Agent, template: str, data: dict[str, Any], now: datetime) -> list[Message]:
    """A message to an agent on every channel of their preferred contact method, in their
    language (a pause after a miss, say); not yet saved (see `save`)."""
    return [
        Message(
            channel=channel,
            to=_address(agent, channel),
            template=template,
            data=data,
            agent=agent,
            language=agent.ui_language,
            due_at=now,
            created_at=now,
        )  # fmt: skip
        for channel in agent.channels
        if _address(agent, channel)
    ]


def agent_notices(agent: Agent, template: str, data: dict[str, Any], now: datetime) -> list[Message]:
    """`agent_messages`, saved."""
    return save(agent_messages(agent, template, data, now))


def save(messages: list[Message], *, along: list[Any] | None = None) -> list[Message]:
    """Put messages in the outbox in one statement, and wake the dispatchers at commit.
    `along`: new rows of another model (the step's events) written in the same statement."""
    if messages:
        wake.announce()
    if along:
        add_together(along, messages)
        return messages
    return add_all(messages)


def offer_messages(offer: Offer, agent: Agent, referral: Referral, now: datetime) -> list[Message]:
    """A new direct offer: one message per channel of the agent's preferred method.

    Only the location and the deadline are in the data: never the consumer's name or
    contact details (R-SEC-2). Not yet saved (see `save`).
    """
    data = {
        "location": referral.location_label,
        "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
    }
    return [
        Message(
            channel=channel,
            to=_address(agent, channel),
            template="offer",
            language=agent.ui_language,
            data=data,
            agent=agent,
            offer=offer,
            referral=referral,
            due_at=now,
            created_at=now,
        )
        for channel in agent.channels
        if _address(agent, channel)
    ]


# One statement per table, whatever the number of recipients: the fan-out to a whole state
# (20,000 agents in Texas) stays well under a second. Plain SQL that SQLite and PostgreSQL
# both run; only the JSON parameter needs PostgreSQL's cast.
SAFETY_NET_OFFERS_SQL = """
INSERT INTO referrals_offer (referral_id, agent_id, kind, offered_at, outcome, rank)
SELECT DISTINCT %(referral)s, c.agent_id, 'safety_net', %(now)s, 'pending', 0
FROM eligibility_coverage c
WHERE c.plan_year = %(plan_year)s AND c.state = %(state)s AND (c.valid_until IS NULL OR c.valid_until >= %(today)s)
"""
SAFETY_NET_MESSAGES_SQL = """
INSERT INTO notifications_message
    (channel, "to", template, language, data, agent_id, offer_id, referral_id, state, due_at, priority, attempts,
     last_error, created_at)
SELECT 'email', a.email, 'safety_net', a.ui_language, {data}, o.agent_id, o.id, o.referral_id, 'queued', %(now)s, 1,
       0, '', %(now)s
FROM referrals_offer o JOIN agents_agent a ON a.id = o.agent_id
WHERE o.referral_id = %(referral)s AND o.kind = 'safety_net' AND a.failed_channels NOT LIKE '%%email%%'
"""


def safety_net_fan_out(referral: Referral, plan_year: int, now: datetime) -> int:
    """A safety-net offer for every registered, eligible agent licensed in the state, and
    an email to each (R-ROUTE-7, R-NOTIFY-2). Returns the number of recipients."""
    ops = connection.ops
    params: dict[str, Any] = {
        "referral": referral.pk,
        "now": ops.adapt_datetimefield_value(now),
        "today": ops.adapt_datefield_value(now.date()),
        "plan_year": plan_year,
        "state": referral.state,
        "data": json.dumps({"location": referral.location_label, "language": referral.language}),
    }
    data = "CAST(%(data)s AS jsonb)" if connection.vendor == "postgresql" else "%(data)s"
    with connection.cursor() as cursor:
        cursor.execute(SAFETY_NET_OFFERS_SQL, params)
        cursor.execute(SAFETY_NET_MESSAGES_SQL.format(data=data), params)
        recipients = cursor.rowcount
    wake.announce()
    return recipients


def cancel_for_referral(referral: Referral, keep_offer_id: int | None = None) -> int:
    """Stop sending notices about a referral that is no longer open to these agents (the
    consumer's own updates are kept). One statement on an index of queued messages by
    referral, whatever the planner believes about a table that just grew by a state's
    fan-out; `state` is tested on the updated rows themselves, so a notice a delivery loop
    has just recorded as sent stays sent."""
    queued = Message.objects.filter(referral=referral, state=MessageState.QUEUED, offer__isnull=False)
    if keep_offer_id is not None:
        queued = queued.exclude(offer_id=keep_offer_id)
    return queued.update(state=MessageState.CANCELLED)
