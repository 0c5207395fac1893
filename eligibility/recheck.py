"""After a data load: re-check the agents it touched and act on what changed (R-ELIG-6).

An agent who lost eligibility stops receiving referrals at once (their coverage rows are
gone when refresh_agent commits) and their pending offers are withdrawn and routed on; an
agent who became eligible on CMS data and never signed up is invited (R-REG-1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from agents import onboarding
from agents.models import Agent
from eligibility.importers.base import Report
from eligibility.services import refresh_agent
from routing.actions import withdraw_offers

# Reasons that come from us, not from CMS data: they do not decide who is invited.
LOCAL_REASONS = frozenset(
    {"registration_incomplete", "no_location", "suspended", "suspended_for_misses", "no_state_selected"}
)
BATCH = 500


def cms_reasons(reasons: Iterable[str]) -> list[str]:
    return [reason for reason in reasons if reason not in LOCAL_REASONS]


def recheck(npns: Iterable[str], now: datetime, report: Report) -> None:
    npns = list(npns)
    for start in range(0, len(npns), BATCH):
        for agent in Agent.objects.filter(npn__in=npns[start : start + BATCH]).order_by("npn"):
            recheck_agent(agent, now, report)


def recheck_agent(agent: Agent, now: datetime, report: Report) -> None:
    was_eligible = agent.checked_at is not None and not cms_reasons(agent.ineligibility)
    was_routable = agent.eligible  # only then can they hold offers
    evaluation = refresh_agent(agent, now)
    reasons = cms_reasons(evaluation.reasons)
    if was_routable and not evaluation.eligible:
        report.offers_withdrawn += withdraw_offers(agent, now, reasons=evaluation.reasons)
    if reasons and was_eligible:
        report.lost_eligibility[agent.npn] = reasons
    elif not reasons and not was_eligible:
        report.became_eligible.append(agent.npn)
        if onboarding.invite_if_new(agent, now):
            report.invited.append(agent.npn)
