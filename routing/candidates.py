"""Find and order the agents who may be offered a referral now (R-ROUTE-2, R-ROUTE-3).

This module only reads. It returns the next candidate and the reasons the nearer ones were
passed over, so that every decision can be explained (R-ROUTE-9).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime

from availability import rules as availability
from geo.zips import distance_miles
from referrals.models import Referral

# Page sizes: the first page is usually enough; later ones grow so that a night with
# nobody available costs a few queries, not one per handful of agents.
FIRST_PAGE, MAX_PAGE = 16, 256
# Search rings, in miles: most consumers find an available agent in the first one, and
# each ring is one index range scan, so a decision costs a few small queries at most.
RINGS = (10.0, 30.0, 90.0, 270.0, 810.0, math.inf)
MILES_PER_DEGREE = 69.05


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: int
    distance: float
    last_offered_at: datetime | None
    # How to reach the agent, read with the candidate so the offer needs no second look-up.
    email: str = ""
    phone: str = ""
    preferred_contact: str = "email_only"
    failed_channels: str = ""
    language: str = "en"  # the agent's own, for their notices


@dataclass
class Decision:
    chosen: Candidate | None = None
    passed_over: list[dict[str, object]] = field(default_factory=list)
    examined: int = 0


# The hottest query of the product, written out so no ORM compilation sits on the path,
# and one round trip per page: the nearest coverage rows, then their agents' schedules and
# whether they are out of office now. Plain SQL that SQLite and PostgreSQL both run;
# `last_offered_at IS NOT NULL` sorts the never-offered first on both.
RING_SQL = """
SELECT r.agent_id, r.lat, r.lon, r.last_offered_at, a.time_zone, a.email, a.phone, a.preferred_contact, a.paused_at,
       a.failed_channels, a.ui_language,
       s.weekly, s.breaks, s.override_date, s.override_on, s.override_until,
       EXISTS (
           SELECT 1 FROM availability_outofoffice o
           WHERE o.agent_id = r.agent_id AND o.starts_at <= %(now)s AND (o.ends_at IS NULL OR o.ends_at > %(now)s)
       ) AS away
FROM (
    SELECT agent_id, lat, lon, last_offered_at, d2 FROM (
        SELECT c.agent_id, c.lat, c.lon, c.last_offered_at,
               (c.lat - %(lat)s) * (c.lat - %(lat)s) * %(ky)s + (c.lon - %(lon)s) * (c.lon - %(lon)s) * %(kx)s AS d2
        FROM eligibility_coverage c
        WHERE c.plan_year = %(plan_year)s AND c.state = %(state)s AND c.language = %(language)s
          AND c.lat BETWEEN %(lat_min)s AND %(lat_max)s AND c.lon BETWEEN %(lon_min)s AND %(lon_max)s
          AND (c.valid_until IS NULL OR c.valid_until >= %(today)s)
          AND NOT EXISTS (
              SELECT 1 FROM referrals_offer o
              WHERE o.referral_id = %(referral)s AND o.agent_id = c.agent_id AND o.kind = 'direct'
          )
    ) ring
    WHERE d2 > %(inner2)s AND d2 <= %(outer2)s
    ORDER BY d2, last_offered_at IS NOT NULL, last_offered_at, agent_id
    LIMIT %(limit)s OFFSET %(offset)s
) r
JOIN agents_agent a ON a.id = r.agent_id
LEFT JOIN availability_schedule s ON s.agent_id = r.agent_id
ORDER BY r.d2, r.last_offered_at IS NOT NULL, r.last_offered_at, r.agent_id
"""
COLUMNS = (
    "agent_id",
    "lat",
    "lon",
    "last_offered_at",
    "time_zone",
    "email",
    "phone",
    "preferred_contact",
    "paused_at",
    "failed_channels",
    "ui_language",
    "weekly",
    "breaks",
    "override_date",
    "override_on",
    "override_until",
    "away",
)


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _date(value: object) -> date | None:
    return parse_date(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _instant(value: object) -> datetime | None:
    """SQLite hands back text in UTC without an offset; PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value  # type: ignore[return-value]


def _ring_pages(
    referral: Referral, plan_year: int, now: datetime, inner: float, outer: float
) -> Iterator[list[dict[str, object]]]:
    """Candidates more than `inner` and at most `outer` miles away, nearest first, a page
    at a time, for agents not yet offered this referral, with their schedule data.

    The database does the work: an index range scan of the latitude band (coverage_lookup),
    then the order by an equirectangular distance — plain arithmetic, so SQLite and
    PostgreSQL agree — and by the longest wait for ties. Within a few hundred miles this
    order matches the great-circle one; the reported miles are great-circle.
    """
    k = math.cos(math.radians(referral.lat))
    reach = min(outer, 20_000.0)
    dlat = reach / MILES_PER_DEGREE
    dlon = reach / (MILES_PER_DEGREE * max(k, 0.01))
    ops = connection.ops
    params: dict[str, Any] = {
        "now": ops.adapt_datetimefield_value(now),
        "lat": referral.lat,
        "lon": referral.lon,
        "ky": MILES_PER_DEGREE**2,
        "kx": (MILES_PER_DEGREE * k) ** 2,
        "plan_year": plan_year,
        "state": referral.state,
        "language": referral.language,
        "lat_min": referral.lat - dlat,
        "lat_max": referral.lat + dlat,
        "lon_min": referral.lon - dlon,
        "lon_max": referral.lon + dlon,
        "today": ops.adapt_datefield_value(now.date()),
        "referral": referral.pk or 0,
        "inner2": inner * abs(inner),
        "outer2": outer * outer if not math.isinf(outer) else 1e12,
    }
    offset, size = 0, FIRST_PAGE
    while True:
        with connection.cursor() as cursor:
            cursor.execute(RING_SQL, {**params, "limit": size, "offset": offset})
            page = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        if page:
            yield page
        if len(page) < size:
            return
        offset += size
        size = min(size * 4, MAX_PAGE)


def _ordered(referral: Referral, plan_year: int, now: datetime) -> Iterator[tuple[Candidate, dict[str, object]]]:
    """Candidates not yet offered this referral, nearest first, with their schedule data."""
    inner = -1.0
    for outer in RINGS:
        for page in _ring_pages(referral, plan_year, now, inner, outer):
            for row in page:
                row["weekly"], row["breaks"] = _json(row["weekly"]), _json(row["breaks"])
                row["override_date"] = _date(row["override_date"])
                row["override_until"] = _instant(row["override_until"])
                # Out of office right now: one period covering this instant is all the rules need.
                row["out_of_office"] = [availability.Period(now, None)] if row["away"] else []
                miles = distance_miles(referral.lat, referral.lon, row["lat"], row["lon"])  # type: ignore[arg-type]
                candidate = Candidate(
                    agent_id=int(row["agent_id"]),  # type: ignore[call-overload]
                    distance=miles,
                    last_offered_at=_instant(row["last_offered_at"]),
                    email=str(row["email"]),
                    phone=str(row["phone"]),
                    preferred_contact=str(row["preferred_contact"]),
                    failed_channels=str(row["failed_channels"] or ""),
                    language=str(row["ui_language"] or "en"),
                )
                yield candidate, row
        inner = outer


def unavailable_reason(row: dict[str, object], now: datetime) -> str | None:
    if row["paused_at"] is not None:
        return "paused_after_miss"  # R-MISS-4: until they say they are back
    weekly = row["weekly"]
    if weekly is None:
        return "no_schedule"
    override = None
    if row["override_date"] is not None:
        override = availability.Override(
            on_date=row["override_date"],  # type: ignore[arg-type]
            on=bool(row["override_on"]),
            until=row["override_until"],  # type: ignore[arg-type]
        )
    return availability.unavailable_reason(
        weekly=weekly,  # type: ignore[arg-type]
        breaks=row["breaks"] or [],  # type: ignore[arg-type]
        override=override,
        out_of_office=row["out_of_office"],  # type: ignore[arg-type]
        time_zone=str(row["time_zone"]),
        now=now,
    )


def next_candidate(referral: Referral, plan_year: int, now: datetime, *, keep: int = 50) -> Decision:
    """The nearest available agent not yet offered this referral, or none.

    1. Coverage rows (eligible, registered, not suspended, licensed in the state with it
       in their preferences, speaking the language), minus agents already offered.
    2. Nearest first by great-circle distance between ZIPs, searched ring by ring; ties
       by longest wait since the last offer.
    3. The first one available now wins; the nearer ones and why they were passed over
       are kept (up to `keep`) for the explanation.
    """
    decision = Decision()
    for candidate, row in _ordered(referral, plan_year, now):
        decision.examined += 1
        reason = unavailable_reason(row, now)
        if reason is None:
            decision.chosen = candidate
            return decision
        if len(decision.passed_over) < keep:
            decision.passed_over.append(
                {"agent": candidate.agent_id, "miles": round(candidate.distance, 1), "reason": reason}
            )
    return decision
