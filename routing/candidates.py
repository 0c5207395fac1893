"""Find and order the agents who may be offered a referral now (R-ROUTE-2, R-ROUTE-3).

This module only reads. It returns the next candidate and the reasons the nearer ones were
passed over, so that every decision can be explained (R-ROUTE-9).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.expressions import ExpressionWrapper, Value

from availability import rules as availability
from availability.models import OutOfOffice
from eligibility.models import Coverage
from geo.zips import distance_miles
from referrals.models import Offer, OfferKind, Referral

PAGE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: int
    distance: float
    last_offered_at: datetime | None

    def sort_key(self) -> tuple[float, float, int]:
        # Nearest first; ties go to whoever has waited longest since their last offer.
        waited = self.last_offered_at.timestamp() if self.last_offered_at else -math.inf
        return (round(self.distance, 2), waited, self.agent_id)


@dataclass
class Decision:
    chosen: Candidate | None = None
    passed_over: list[dict[str, object]] = field(default_factory=list)
    examined: int = 0


def _coverage(referral: Referral, plan_year: int, now: datetime) -> QuerySet[Coverage]:
    already_offered = Offer.objects.filter(referral=referral, kind=OfferKind.DIRECT).values("agent_id")
    return Coverage.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=now.date()),
        plan_year=plan_year,
        state=referral.state,
        language=referral.language,
    ).exclude(agent_id__in=already_offered)


def _ordered_pages(referral: Referral, plan_year: int, now: datetime) -> Iterator[list[dict[str, object]]]:
    """Candidate rows nearest first, a page at a time.

    The database orders by an equirectangular approximation of distance (plain arithmetic,
    so it runs on SQLite and PostgreSQL alike); each page is then re-ordered by the exact
    great-circle distance. Within the few hundred miles that matter the two orders agree.
    """
    k = math.cos(math.radians(referral.lat))
    approx = ExpressionWrapper(
        (F("lat") - Value(referral.lat)) * (F("lat") - Value(referral.lat))
        + (F("lon") - Value(referral.lon)) * (F("lon") - Value(referral.lon)) * Value(k * k),
        output_field=FloatField(),
    )
    rows = (
        _coverage(referral, plan_year, now)
        .annotate(d2=approx)
        .order_by("d2", F("agent__last_offered_at").asc(nulls_first=True), "agent_id")
        .values(
            "agent_id",
            "lat",
            "lon",
            "agent__last_offered_at",
            "agent__time_zone",
            "agent__schedule__weekly",
            "agent__schedule__breaks",
            "agent__schedule__override_date",
            "agent__schedule__override_on",
            "agent__schedule__override_until",
        )
    )
    offset = 0
    while True:
        page = list(rows[offset : offset + PAGE_SIZE])
        if not page:
            return
        yield page
        if len(page) < PAGE_SIZE:
            return
        offset += PAGE_SIZE


def _out_of_office(agent_ids: list[int], now: datetime) -> dict[int, list[availability.Period]]:
    periods: dict[int, list[availability.Period]] = defaultdict(list)
    rows = OutOfOffice.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now), agent_id__in=agent_ids, starts_at__lte=now
    ).values_list("agent_id", "starts_at", "ends_at")
    for agent_id, starts_at, ends_at in rows:
        periods[agent_id].append(availability.Period(starts_at, ends_at))
    return periods


def unavailable_reason(row: dict[str, object], ooo: list[availability.Period], now: datetime) -> str | None:
    weekly = row["agent__schedule__weekly"]
    if weekly is None:
        return "no_schedule"
    override = None
    if row["agent__schedule__override_date"] is not None:
        override = availability.Override(
            on_date=row["agent__schedule__override_date"],  # type: ignore[arg-type]
            on=bool(row["agent__schedule__override_on"]),
            until=row["agent__schedule__override_until"],  # type: ignore[arg-type]
        )
    return availability.unavailable_reason(
        weekly=weekly,  # type: ignore[arg-type]
        breaks=row["agent__schedule__breaks"] or [],  # type: ignore[arg-type]
        override=override,
        out_of_office=ooo,
        time_zone=str(row["agent__time_zone"]),
        now=now,
    )


def next_candidate(referral: Referral, plan_year: int, now: datetime, *, keep: int = 50) -> Decision:
    """The nearest available agent not yet offered this referral, or none.

    1. Coverage rows (eligible, registered, not suspended, licensed in the state with it
       in their preferences, speaking the language), minus agents already offered.
    2. Nearest first by distance between ZIPs; ties by longest wait since last offer.
    3. The first one available now wins; the nearer ones and why they were passed over
       are kept (up to `keep`) for the explanation.
    """
    decision = Decision()
    for page in _ordered_pages(referral, plan_year, now):
        ooo = _out_of_office([int(row["agent_id"]) for row in page], now)  # type: ignore[call-overload]
        ranked = sorted(
            (
                (
                    Candidate(
                        agent_id=int(row["agent_id"]),  # type: ignore[call-overload]
                        distance=distance_miles(referral.lat, referral.lon, row["lat"], row["lon"]),  # type: ignore[arg-type]
                        last_offered_at=row["agent__last_offered_at"],  # type: ignore[arg-type]
                    ),
                    row,
                )
                for row in page
            ),
            key=lambda pair: pair[0].sort_key(),
        )
        for candidate, row in ranked:
            decision.examined += 1
            reason = unavailable_reason(row, ooo.get(candidate.agent_id, []), now)
            if reason is None:
                decision.chosen = candidate
                return decision
            if len(decision.passed_over) < keep:
                decision.passed_over.append(
                    {"agent": candidate.agent_id, "miles": round(candidate.distance, 1), "reason": reason}
                )
    return decision


def safety_net_recipients(referral: Referral, plan_year: int, now: datetime) -> list[tuple[int, str]]:
    """Every registered, eligible agent licensed in the consumer's state, whatever their
    language or availability (R-ROUTE-7): (agent id, email), one per agent."""
    rows = (
        Coverage.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=now.date()),
            plan_year=plan_year,
            state=referral.state,
        )
        .values_list("agent_id", "agent__email")
        .distinct()
        .order_by("agent_id")
    )
    return list(rows)
