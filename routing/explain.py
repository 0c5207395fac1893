"""Why a referral went where it went (R-ROUTE-9), built from the event log."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agents.models import Agent
from eligibility import rules
from eligibility.models import Coverage, License
from eligibility.services import licenses_of, served_states
from referrals.models import Event, Referral


def explain(referral: Referral) -> dict[str, Any]:
    """Each routing round (who was examined, passed over and why, who got the offer),
    each offer and its outcome, and who in the state was ruled out and by which rule."""
    events = list(Event.objects.filter(referral=referral).order_by("at", "pk"))
    agent_ids = {e.agent_id for e in events if e.agent_id}
    for event in events:
        if event.kind == "routed":
            agent_ids.update(int(p["agent"]) for p in event.data.get("passed_over", []))
            if event.data.get("chosen"):
                agent_ids.add(int(event.data["chosen"]))
    names = {a.pk: f"{a.full_name} (NPN {a.npn})" for a in Agent.objects.filter(pk__in=agent_ids)}
    timeline = []
    for event in events:
        item: dict[str, Any] = {"at": event.at.isoformat(), "event": event.kind, "by": event.actor}
        if event.agent_id:
            item["agent"] = names.get(event.agent_id, event.agent_id)
        if event.kind == "routed":
            item["examined"] = event.data.get("examined", 0)
            item["passed_over"] = [
                {**p, "agent": names.get(int(p["agent"]), p["agent"])} for p in event.data.get("passed_over", [])
            ]
            chosen = event.data.get("chosen")
            item["chosen"] = names.get(int(chosen), chosen) if chosen else None
            item["miles"] = event.data.get("miles")
        elif event.kind == "safety_net":
            item["recipients"] = event.data.get("recipients", 0)
        timeline.append(item)
    return {
        "referral": str(referral.public_id),
        "location": referral.location_label,
        "language": referral.language,
        "status": referral.status,
        "timeline": timeline,
        "offers": [
            {
                "agent": names.get(o.agent_id, o.agent_id),
                "kind": o.kind,
                "rank": o.rank,
                "miles": o.distance_miles,
                "offered_at": o.offered_at.isoformat(),
                "outcome": o.outcome,
            }
            for o in referral.offers.filter(kind="direct").order_by("rank")
        ],
        "ruled_out": ruled_out(referral),
    }


def ruled_out(referral: Referral, limit: int = 100) -> dict[str, Any]:
    """Agents licensed in the referral's state who could not be candidates, by rule, as
    things stand now: the agent's own reasons (eligibility.rules.REASONS) when they may not
    take part at all, else why they do not cover this state (eligibility.rules.STATE_REASONS),
    else "not_yet_refreshed" (their data changed since their coverage was last rebuilt)."""
    in_state = Coverage.objects.filter(plan_year=referral.plan_year, state=referral.state)
    other_language = (
        in_state.exclude(agent_id__in=in_state.filter(language=referral.language).values("agent_id"))
        .values("agent_id")
        .distinct()
    )
    licensed_npns = License.objects.filter(state=referral.state).values("npn")
    not_routable = list(
        Agent.objects.filter(npn__in=licensed_npns).exclude(pk__in=in_state.values("agent_id")).order_by("pk")[:limit]
    )
    licenses = licenses_of(a.npn for a in not_routable if not a.ineligibility)
    today, served = timezone.now().date(), served_states(referral.plan_year)

    def reasons(agent: Agent) -> list[str]:
        if agent.ineligibility:
            return list(agent.ineligibility)
        why = rules.state_reason(
            referral.state,
            today=today,
            served_states=served,
            display_option=agent.display_option,
            resident_state=agent.resident_state,
            excluded_states=agent.excluded_states,
            licenses=licenses.get(agent.npn, []),
        )
        return [why or "not_yet_refreshed"]

    return {
        "language_not_spoken": other_language.count(),
        "not_routable": [{"agent": f"{a.full_name} (NPN {a.npn})", "reasons": reasons(a)} for a in not_routable],
    }
