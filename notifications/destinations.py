"""A destination that failed for good (R-NOTIFY-3): an invalid number, a hard bounce.

It is left out of every later message, the messages still queued for it are cancelled, and
the agent is told on the channels that still work and at the top of every portal page,
until they save their Profile again (which is where the phone number is corrected).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from agents.models import Agent
from lib.phones import display_phone
from notifications import outbox
from notifications.models import Channel, Message, MessageState


@transaction.atomic
def disable(message: Message, reason: str, now: datetime) -> bool:
    """Stop using the address a message could not reach. False when there is nothing to
    disable (not an agent's message, already disabled, or the address has changed since)."""
    if message.agent_id is None or message.channel not in (Channel.SMS, Channel.EMAIL):
        return False  # app pushes: each device's subscription is dropped by the push channel
    agent = Agent.objects.select_for_update().get(pk=message.agent_id)
    address = agent.phone if message.channel == Channel.SMS else agent.email
    failed = {c for c in agent.failed_channels.split(",") if c}
    if address != message.to or message.channel in failed:
        return False
    with translation.override(agent.ui_language):
        shown = display_phone(address) if message.channel == Channel.SMS else address
        kind = _("Texts") if message.channel == Channel.SMS else _("Emails")
        agent.delivery_problem = _("%(kind)s to %(address)s cannot be delivered (%(reason)s).") % {
            "kind": kind, "address": shown, "reason": reason,
        }  # fmt: skip
    agent.failed_channels = ",".join(sorted(failed | {message.channel}))
    agent.save(update_fields=["failed_channels", "delivery_problem"])
    Message.objects.filter(agent=agent, channel=message.channel, to=message.to, state=MessageState.QUEUED).exclude(
        pk=message.pk
    ).update(state=MessageState.CANCELLED)
    outbox.agent_notices(agent, "destination_failed", {"problem": agent.delivery_problem, "path": "/profile/"}, now)
    return True
