"""Operators suspend and reinstate agents (R-ELIG-7); the automatic policy for repeated misses
lives with the expiry it follows (`routing.actions.suspend_for_misses`).

A suspension takes effect on routing at once: eligibility and coverage are rebuilt and the
agent's pending offers are withdrawn and routed on (`eligibility.recheck`). Either way the
agent is told, on every channel of their contact method, and the event log keeps who did it.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from agents.models import Agent
from eligibility.importers.base import Report
from eligibility.recheck import recheck_agent
from notifications import outbox
from referrals.events import SYSTEM, actor_for_operator, record

Operator = AbstractBaseUser | None


def _who(operator: Operator) -> tuple[str, str]:
    """The operator's username, kept on the agent, and their actor in the event log."""
    if operator is None or operator.pk is None:
        return "operator", SYSTEM
    return operator.get_username(), actor_for_operator(operator.pk)


def suspended(agent: Agent, now: datetime, *, operator: Operator) -> None:
    """An operator has just set `suspended_at` (and a reason) on the saved agent."""
    by, actor = _who(operator)
    Agent.objects.filter(pk=agent.pk).update(suspended_by=by)
    agent.suspended_by = by
    record("suspended", at=now, actor=actor, agent_id=agent.pk, by=by, reason=agent.suspension_reason)
    outbox.agent_notices(agent, "suspended", {"path": reverse("agent_home")}, now)
    recheck_agent(agent, now, Report())


def reinstate(agent: Agent, now: datetime, *, operator: Operator) -> bool:
    """End a suspension, by an operator or by the policy alike. Misses before now no longer
    count towards the policy. False when the agent was not suspended."""
    if agent.suspended_at is None and not agent.suspended_by:
        return False
    was = agent.suspended_by
    agent.suspended_at, agent.suspended_by, agent.suspension_reason, agent.reinstated_at = None, "", "", now
    agent.save(update_fields=["suspended_at", "suspended_by", "suspension_reason", "reinstated_at"])
    record("reinstated", at=now, actor=_who(operator)[1], agent_id=agent.pk, suspended_by=was)
    outbox.agent_notices(agent, "reinstated", {"path": reverse("agent_home")}, now)
    recheck_agent(agent, now, Report())
    return True
