"""Re-check an agent's eligibility against the loaded data and rebuild their coverage."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from agents.models import SUSPENDED_BY_POLICY, Agent
from eligibility import rules
from eligibility.models import Coverage, FfmRegistration, License, ServedState, Termination


def plan_year_at(now: datetime) -> int:
    return rules.current_plan_year(now.date(), settings.HOD_PLAN_YEAR)


# Served states change with a data load, a few times a year; every intake asks for them.
SERVED_STATES_TTL = 60.0
_served_cache: dict[int, tuple[float, frozenset[str]]] = {}


def served_states(plan_year: int) -> frozenset[str]:
    """The states that use HealthCare.gov in a plan year, cached for a minute per process."""
    cached = _served_cache.get(plan_year)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    states = frozenset(ServedState.objects.filter(plan_year=plan_year).values_list("state", flat=True))
    _served_cache[plan_year] = (time.monotonic() + SERVED_STATES_TTL, states)
    return states


def license_facts(npn: str) -> list[rules.LicenseFacts]:
    return licenses_of([npn]).get(npn, [])


def licenses_of(npns: Iterable[str]) -> dict[str, list[rules.LicenseFacts]]:
    """Each NPN's licenses as the rules read them, in one query."""
    licenses = License.objects.filter(npn__in=list(npns)).annotate(
        health_lines=Count("lines", filter=Q(lines__active=True, lines__is_health=True))
    )
    facts: dict[str, list[rules.LicenseFacts]] = defaultdict(list)
    for lic in licenses:
        facts[lic.npn].append(
            rules.LicenseFacts(
                state=lic.state, active=lic.active, expires_on=lic.expires_on, health_lines=lic.health_lines
            )
        )
    return facts


def evaluate_agent(agent: Agent, now: datetime) -> rules.Evaluation:
    plan_year = plan_year_at(now)
    reg = FfmRegistration.objects.filter(npn=agent.npn, plan_year=plan_year).first()
    registration = None
    if reg is not None:
        termination = Termination.objects.filter(npn=agent.npn, plan_year=plan_year).first()
        terminated_on = None
        if termination is not None and termination.bars_individual:
            # A termination without a date bars the agent from today.
            terminated_on = termination.terminated_on or now.date()
        registration = rules.RegistrationFacts(reg.individual_completed_on, reg.individual_ended_on, terminated_on)
    evaluation = rules.evaluate(
        today=now.date(),
        plan_year=plan_year,
        served_states=served_states(plan_year),
        registration=registration,
        hod_training_plan_year=agent.hod_training_plan_year,
        display_option=agent.display_option,
        resident_state=agent.resident_state,
        languages=agent.languages,
        excluded_states=agent.excluded_states,
        licenses=license_facts(agent.npn),
    )
    if not agent.registration_complete:
        evaluation.reasons.append("registration_incomplete")
    if agent.suspended_at is not None:
        evaluation.reasons.append("suspended_for_misses" if agent.suspended_by == SUSPENDED_BY_POLICY else "suspended")
    if agent.lat is None or agent.lon is None:
        evaluation.reasons.append("no_location")
    return evaluation


@transaction.atomic
def refresh_agent(agent: Agent, now: datetime) -> rules.Evaluation:
    """Store the agent's eligibility and rebuild the coverage rows routing reads.

    An agent with any reason gets no coverage at all, so routing stops offering to them at
    the moment this commits (R-ELIG-6).
    """
    evaluation = evaluate_agent(agent, now)
    plan_year = plan_year_at(now)
    agent.eligible = evaluation.eligible
    agent.ineligibility = evaluation.reasons
    agent.checked_at = now
    agent.save(update_fields=["eligible", "ineligibility", "checked_at"])
    Coverage.objects.filter(agent=agent).delete()
    if evaluation.eligible and agent.lat is not None and agent.lon is not None:
        Coverage.objects.bulk_create(
            Coverage(
                agent=agent,
                plan_year=plan_year,
                state=state,
                language=language,
                lat=agent.lat,
                lon=agent.lon,
                valid_until=until,
                last_offered_at=agent.last_offered_at,
            )
            for state, until in sorted(evaluation.states.items())
            for language in sorted(set(agent.languages))
        )
    return evaluation
