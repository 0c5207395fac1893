"""Why a referral went where it went (R-ROUTE-9), built from the event log."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

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
    left_out = Agent.objects.filter(npn__in=licensed_npns).exclude(pk__in=in_state.values("agent_id"))
    not_routable = list(left_out.order_by("pk")[:limit])
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
        "not_routable_total": len(not_routable) if len(not_routable) < limit else left_out.count(),
    }


# What operators read for each code of an explanation (the API keeps the codes).
EVENT_LABELS = {
    "received": gettext_lazy("Request received"),
    "asked_again": gettext_lazy("The consumer asked again while waiting"),
    "routed": gettext_lazy("Routed"),
    "accepted": pgettext_lazy("a referral's event", "Accepted"),
    "rejected": pgettext_lazy("a referral's event", "Rejected"),
    "missed": gettext_lazy("Missed: 15 minutes passed"),
    "paused": gettext_lazy("Agent paused after the miss"),
    "resumed": gettext_lazy("Agent resumed"),
    "withdrawn": gettext_lazy("Offer withdrawn"),
    "safety_net": gettext_lazy("Sent to the safety net"),
    "unserved": gettext_lazy("Closed as unserved"),
    "suspended": gettext_lazy("Agent suspended"),
    "reinstated": gettext_lazy("Agent reinstated"),
    "reminded": gettext_lazy("Contact reminder sent"),
    "status_changed": gettext_lazy("Status changed"),
    "contact_attempt": gettext_lazy("Contact attempt logged"),
    "personal_data_viewed": gettext_lazy("Personal data viewed"),
    "erased": gettext_lazy("Consumer's name and contact data erased"),
}
REASON_LABELS = {
    # Passed over when routed (availability.rules, routing.candidates).
    "day_off": gettext_lazy("day off"),
    "outside_hours": gettext_lazy("outside standard hours"),
    "on_break": gettext_lazy("on a break"),
    "out_of_office": gettext_lazy("out of office"),
    "switched_off_today": gettext_lazy("Today's Availability switched off"),
    "past_stop_time": gettext_lazy("past today's Stop Referrals time"),
    "paused_after_miss": gettext_lazy("paused after a missed referral"),
    "unknown_time_zone": gettext_lazy("time zone not recognized: correct it in the agent's record"),
    # The agent may not take part at all (eligibility.rules.REASONS, eligibility.services).
    "not_registered": gettext_lazy("not on the FFM registration list for the plan year"),
    "registration_ended": gettext_lazy("Marketplace registration ended"),
    "terminated": gettext_lazy("Marketplace registration terminated or suspended"),
    "no_training": gettext_lazy("Help On Demand course not completed for the plan year"),
    "no_health_license": gettext_lazy("no active license with a health line"),
    "no_served_state": gettext_lazy("licensed in no HealthCare.gov state"),
    "display_option_4": gettext_lazy("MLMS display option 4"),
    "no_state_selected": gettext_lazy("every state deselected"),
    "no_language": gettext_lazy("no language in MLMS"),
    "registration_incomplete": gettext_lazy("Help On Demand sign-up or terms not complete"),
    "suspended": gettext_lazy("suspended"),
    "suspended_for_misses": gettext_lazy("suspended for missed referrals"),
    "no_location": gettext_lazy("no valid ZIP code"),
    # The agent takes part, but not in this state (eligibility.rules.STATE_REASONS).
    "no_license_in_state": gettext_lazy("no license in this state"),
    "license_inactive_in_state": gettext_lazy("license in this state inactive"),
    "no_health_line_in_state": gettext_lazy("no health line on the license in this state"),
    "license_expired_in_state": gettext_lazy("license in this state expired"),
    "state_not_served": gettext_lazy("state not on HealthCare.gov this plan year"),
    "display_option_3": gettext_lazy("MLMS display option 3: resident state only"),
    "state_deselected": gettext_lazy("state deselected by the agent"),
    "not_yet_refreshed": gettext_lazy("eligibility changed since the last refresh"),
}


def label(codes: dict[str, Any], code: str) -> str:
    return str(codes.get(code, code))


def actor_words(actor: str) -> str:
    """Who acted, as referrals.events writes it ("consumer", "system", "agent:12",
    "operator:3"), in words; the step's details name the agent."""
    kind, _sep, number = actor.partition(":")
    if kind == "consumer":
        return _("the consumer")
    if kind == "system":
        return _("Help On Demand")
    if kind == "agent":
        return _("the agent")
    if kind == "operator":
        return _("operator %(number)s") % {"number": number}
    return actor


def readable(explanation: dict[str, Any]) -> dict[str, Any]:
    """The explanation in words, for the admin's referral page: each step with what it did."""
    steps = []
    for item in explanation["timeline"]:
        details = []
        if item["event"] == "routed":
            n = item["examined"]
            details.append(ngettext("%(n)d agent examined", "%(n)d agents examined", n) % {"n": n})
            for passed in item["passed_over"]:
                details.append(
                    _("Passed over %(agent)s, %(miles)s miles away: %(reason)s")
                    % {
                        "agent": passed["agent"],
                        "miles": passed["miles"],
                        "reason": label(REASON_LABELS, passed["reason"]),
                    }
                )
            if item["chosen"]:
                details.append(
                    _("Offered to %(agent)s, %(miles)s miles away") % {"agent": item["chosen"], "miles": item["miles"]}
                )
            else:
                details.append(_("No agent available"))
        elif item["event"] == "safety_net":
            n = item["recipients"]
            details.append(ngettext("Notice sent to %(n)d agent", "Notice sent to %(n)d agents", n) % {"n": n})
        elif "agent" in item:
            details.append(str(item["agent"]))
        steps.append(
            {
                "at": parse_datetime(item["at"]),
                "what": label(EVENT_LABELS, item["event"]),
                "by": actor_words(item["by"]),
                "details": details,
            }
        )
    ruled_out = explanation["ruled_out"]
    return {
        "steps": steps,
        "language_not_spoken": ruled_out["language_not_spoken"],
        "not_routable": [
            {"agent": row["agent"], "reasons": [label(REASON_LABELS, code) for code in row["reasons"]]}
            for row in ruled_out["not_routable"]
        ],
        "not_routable_total": ruled_out["not_routable_total"],
    }
