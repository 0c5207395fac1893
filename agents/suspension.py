"""Operators suspend and reinstate agents (R-ELIG-7). A suspension, by an operator or by the
missed-referral policy, is `routing.actions.suspend`: it takes effect on routing at once. A
reinstatement rebuilds eligibility and coverage. Either way the agent is told, on every
channel of their contact method, and the event log keeps who did it.
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
from routing.actions import suspend

Operator = AbstractBaseUser | None


def _who(operator: Operator) -> tuple[str, str]:
    """The operator's username, kept on the agent, and their actor in the event log."""
    if operator is None or operator.pk is None:
        return "operator", SYSTEM
    return operator.get_username(), actor_for_operator(operator.pk)


def suspended(agent: Agent, now: datetime, *, operator: Operator) -> None:
    """An operator has just set `suspended_at` (and a reason) on the saved agent."""
    by, actor = _who(operator)
    suspend(agent, now, by=by, actor=actor, notice={}, reason=agent.suspension_reason)


def reinstate(agent: Agent, now: datetime, *, operator: Operator, was: str) -> None:
    """End a suspension (`was`: who had suspended the agent), by an operator or by the
    policy alike. Misses before now no longer count towards the policy."""
    agent.suspended_at, agent.suspended_by, agent.suspension_reason, agent.reinstated_at = None, "", "", now
    agent.save(update_fields=["suspended_at", "suspended_by", "suspension_reason", "reinstated_at"])
    record("reinstated", at=now, actor=_who(operator)[1], agent_id=agent.pk, suspended_by=was)
    outbox.agent_notices(agent, "reinstated", {"path": reverse("agent_home")}, now)
    recheck_agent(agent, now, Report())
