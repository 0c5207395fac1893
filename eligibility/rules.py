"""Who may take part, and where: R-ELIG-1…4 as pure functions of the loaded data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

# Reasons an agent receives no referrals, shown to the agent and to operators (R-ELIG-6).
REASONS = {
    "not_registered": _("Your NPN is not on the FFM Agent/Broker Registration Completion List for this plan year."),
    "registration_ended": _("Your Individual Marketplace registration has ended for this plan year."),
    "terminated": _("Your Marketplace registration is terminated or suspended."),
    "no_training": _("You have not completed the Help On Demand course in MLMS for this plan year."),
    "no_health_license": _("You hold no active state license with a health line of authority."),
    "no_served_state": _("None of your licensed states uses HealthCare.gov this plan year."),
    "display_option_4": _("Your MLMS display option is 4 (no display): change it in MLMS to take part."),
    "no_state_selected": _("You have deselected every state you may serve."),
    "no_language": _("No language is listed in your MLMS profile."),
    "registration_incomplete": _("Your Help On Demand sign-up or terms acceptance is not complete."),
    "suspended": _("Your participation is suspended."),
    "suspended_for_misses": _(
        "Your participation is suspended because you missed referrals too often. "
        "Contact the Help On Demand program office to be reinstated."
    ),
    "no_location": _("Your profile has no valid ZIP code."),
}

# Lines of authority have no national code list: classify the official text (REFERENCE §2).
_HEALTH_TEXT = re.compile(r"\b(health|sickness|accident\s*(&|and)\s*health|disability)\b", re.IGNORECASE)
_LIMITED_TEXT = re.compile(
    r"\b(medicare\s+supplement|credit|travel|limited|crop|pet|funeral|pre-?need|dental\s+only)\b", re.IGNORECASE
)


def is_health_line(text: str) -> bool:
    """True for "Accident and Health or Sickness", "Health", "Life, Accident and Health"…;
    False for Medicare-supplement-only, credit, travel and other limited lines."""
    return bool(_HEALTH_TEXT.search(text)) and not _LIMITED_TEXT.search(text)


def current_plan_year(today: date, configured: int = 0) -> int:
    """The configured plan year, else the one open enrollment is for (from November 1)."""
    if configured:
        return configured
    return today.year + 1 if today.month >= 11 else today.year


@dataclass(frozen=True)
class LicenseFacts:
    state: str
    active: bool
    expires_on: date | None
    health_lines: int  # active health-related lines of authority


@dataclass(frozen=True)
class RegistrationFacts:
    completed_on: date | None
    ended_on: date | None
    terminated_on: date | None


@dataclass
class Evaluation:
    reasons: list[str] = field(default_factory=list)
    # State → last day it holds (None: no end known), for the states the agent may serve.
    states: dict[str, date | None] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return not self.reasons


def health_licensed_states(licenses: Iterable[LicenseFacts], today: date) -> dict[str, date | None]:
    """States with an active, unexpired license holding a health line, with its expiry."""
    states: dict[str, date | None] = {}
    for lic in licenses:
        if not lic.active or lic.health_lines == 0:
            continue
        if lic.expires_on is not None and lic.expires_on < today:
            continue
        known = states.get(lic.state, date.min)
        # Several licenses in one state: the one that lasts longest counts.
        if lic.state not in states or known is None or (lic.expires_on is None or lic.expires_on > known):
            states[lic.state] = lic.expires_on
    return states


# Why an agent who may take part does not cover one state (routing's explanations, R-ROUTE-9):
# R-ELIG-4's steps for that state, in the order `evaluate` applies them.
STATE_REASONS = (
    "no_license_in_state",  # no license in the state at all
    "license_inactive_in_state",  # licensed there, but no license active
    "no_health_line_in_state",  # active, but no active health line of authority
    "license_expired_in_state",  # active with a health line, but expired
    "state_not_served",  # the state does not use HealthCare.gov this plan year
    "display_option_3",  # MLMS display option 3: the resident state only
    "state_deselected",  # the agent chose not to serve it
)


def state_reason(
    state: str,
    *,
    today: date,
    served_states: AbstractSet[str],
    display_option: int,
    resident_state: str,
    excluded_states: Iterable[str],
    licenses: Iterable[LicenseFacts],
) -> str | None:
    """Which of STATE_REASONS keeps `state` out of the agent's states, or None if none does."""
    here = [lic for lic in licenses if lic.state == state]
    if state not in health_licensed_states(here, today):
        if not here:
            return "no_license_in_state"
        if not any(lic.active for lic in here):
            return "license_inactive_in_state"
        if not any(lic.active and lic.health_lines for lic in here):
            return "no_health_line_in_state"
        return "license_expired_in_state"
    if state not in served_states:
        return "state_not_served"
    if display_option == 3 and state != resident_state:
        return "display_option_3"
    if state in set(excluded_states):
        return "state_deselected"
    return None


def evaluate(
    *,
    today: date,
    plan_year: int,
    served_states: AbstractSet[str],
    registration: RegistrationFacts | None,
    hod_training_plan_year: int | None,
    display_option: int,
    resident_state: str,
    languages: Sequence[str],
    excluded_states: Iterable[str],
    licenses: Iterable[LicenseFacts],
) -> Evaluation:
    """Apply R-ELIG-1…4 for one agent on `today`.

    1. Registration: on the list for the plan year, completed, not ended, not terminated.
    2. Help On Demand training completed for the plan year.
    3. Display option 1–3 (4 cannot take part; 3 limits to the resident state).
    4. States: active health license ∩ HealthCare.gov states ∩ preferences.
    """
    result = Evaluation()
    valid_until: date | None = None
    if registration is None or registration.completed_on is None or registration.completed_on > today:
        result.reasons.append("not_registered")
    else:
        if registration.ended_on is not None:
            if registration.ended_on < today:
                result.reasons.append("registration_ended")
            valid_until = registration.ended_on
        if registration.terminated_on is not None and registration.terminated_on <= today:
            result.reasons.append("terminated")
    if hod_training_plan_year != plan_year:
        result.reasons.append("no_training")
    if display_option == 4:
        result.reasons.append("display_option_4")
    if not languages:
        result.reasons.append("no_language")

    licensed = health_licensed_states(licenses, today)
    if not licensed:
        result.reasons.append("no_health_license")
        return result
    served = {state: until for state, until in licensed.items() if state in served_states}
    if display_option == 3:
        served = {state: until for state, until in served.items() if state == resident_state}
    if not served:
        result.reasons.append("no_served_state")
        return result
    excluded = set(excluded_states)
    chosen = {state: until for state, until in served.items() if state not in excluded}
    if not chosen:
        result.reasons.append("no_state_selected")
        return result
    for state, until in chosen.items():
        ends = [day for day in (until, valid_until) if day is not None]
        result.states[state] = min(ends) if ends else None
    return result
