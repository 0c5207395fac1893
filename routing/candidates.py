"""Find and order the agents who may be offered a referral now (R-ROUTE-2, R-ROUTE-3).

This module only reads. It returns the next candidate and the reasons the nearer ones were
passed over, so that every decision can be explained (R-ROUTE-9).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
logger = logging.getLogger(__name__)


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
# `last_offered_at IS NOT NULL` sorts the never-offered first on both. The referral's own
# values are left as {placeholders}: parameters for one referral (RING_SQL), or the columns
# of a batch of them joined LATERAL on PostgreSQL (PAGES_SQL), so both read the same rows in
# the same order. Agents already offered the referral are left out only among the nearest
# rows: one per offer at most (an agent has one coverage row per state and language, and
# one direct offer per referral), so the nearest skip + take + offers rows always hold the
# page, and the look-up runs for a page's rows instead of for every row of the ring (600
# in Phoenix's inner ring).
RING_TEMPLATE = """
SELECT r.agent_id, r.lat, r.lon, r.last_offered_at, a.time_zone, a.email, a.phone, a.preferred_contact, a.paused_at,
       a.failed_channels, a.ui_language,
       s.weekly, s.breaks, s.override_date, s.override_on, s.override_until,
       EXISTS (
           SELECT 1 FROM availability_outofoffice o
           WHERE o.agent_id = r.agent_id AND o.starts_at <= %(now)s AND (o.ends_at IS NULL OR o.ends_at > %(now)s)
       ) AS away,
       r.d2
FROM (
    SELECT agent_id, lat, lon, last_offered_at, d2 FROM (
        SELECT agent_id, lat, lon, last_offered_at, d2 FROM (
            SELECT c.agent_id, c.lat, c.lon, c.last_offered_at,
                   (c.lat - {lat}) * (c.lat - {lat}) * %(ky)s + (c.lon - {lon}) * (c.lon - {lon}) * {kx} AS d2
            FROM eligibility_coverage c
            WHERE c.plan_year = %(plan_year)s AND c.state = {state} AND c.language = {language}
              AND c.lat BETWEEN {lat_min} AND {lat_max} AND c.lon BETWEEN {lon_min} AND {lon_max}
              AND (c.valid_until IS NULL OR c.valid_until >= %(today)s)
        ) ring
        WHERE d2 > {inner2} AND d2 <= {outer2}
        ORDER BY d2, last_offered_at IS NOT NULL, last_offered_at, agent_id
        LIMIT {skip} + {take} + (
            SELECT COUNT(*) FROM referrals_offer o WHERE o.referral_id = {referral} AND o.kind = 'direct'
        )
    ) nearest
    WHERE NOT EXISTS (
        SELECT 1 FROM referrals_offer o
        WHERE o.referral_id = {referral} AND o.agent_id = nearest.agent_id AND o.kind = 'direct'
    )
    ORDER BY d2, last_offered_at IS NOT NULL, last_offered_at, agent_id
    LIMIT {take} OFFSET {skip}
) r
JOIN agents_agent a ON a.id = r.agent_id
LEFT JOIN availability_schedule s ON s.agent_id = r.agent_id
ORDER BY r.d2, r.last_offered_at IS NOT NULL, r.last_offered_at, r.agent_id
"""
# The referral's own values and where its search stands, with their PostgreSQL types for
# the batch's arrays.
PER_REFERRAL = {
    "lat": "float8",
    "lon": "float8",
    "kx": "float8",
    "state": "text",
    "language": "text",
    "lat_min": "float8",
    "lat_max": "float8",
    "lon_min": "float8",
    "lon_max": "float8",
    "referral": "int8",
    "inner2": "float8",
    "outer2": "float8",
    "take": "int8",
    "skip": "int8",
}
RING_SQL = RING_TEMPLATE.format(**{name: f"%({name})s" for name in PER_REFERRAL})
_BATCH = ", ".join(f"%({name})b::{kind}[]" for name, kind in PER_REFERRAL.items())  # binary arrays
# Names and types are this module's constants; every value is a parameter.
PAGES_SQL = f"""
SELECT b.referral AS for_referral, page.*
FROM unnest({_BATCH}) WITH ORDINALITY AS b({", ".join(PER_REFERRAL)}, n)
CROSS JOIN LATERAL ({RING_TEMPLATE.format(**{name: f"b.{name}" for name in PER_REFERRAL})}) page
ORDER BY b.n, page.d2, page.last_offered_at IS NOT NULL, page.last_offered_at, page.agent_id
"""  # noqa: S608
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
    "d2",
)
Row = dict[str, Any]


def _json(value: object) -> object:
    return _parsed(value) if isinstance(value, str) else value


@lru_cache(maxsize=8192)
def _parsed(text: str) -> object:
    """Schedules repeat (many agents keep the default week): parse each text once. The
    rules only read what this returns."""
    return json.loads(text)


def _date(value: object) -> date | None:
    return parse_date(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _instant(value: object) -> datetime | None:
    """SQLite hands back text in UTC without an offset; PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value  # type: ignore[return-value]


def _referral_params(referral: Referral) -> dict[str, Any]:
    """The referral's own values in the ring query: where the search is centred, and the
    bounding box of the widest ring (each ring then filters on the distance itself)."""
    k = math.cos(math.radians(referral.lat))
    return {
        "lat": referral.lat,
        "lon": referral.lon,
        "kx": (MILES_PER_DEGREE * k) ** 2,
        "state": referral.state,
        "language": referral.language,
        "referral": referral.pk or 0,
        "k": k,
    }


def _ring_params(referral: dict[str, Any], inner: float, outer: float) -> dict[str, Any]:
    reach = min(outer, 20_000.0)
    dlat = reach / MILES_PER_DEGREE
    dlon = reach / (MILES_PER_DEGREE * max(referral["k"], 0.01))
    return {
        "lat_min": referral["lat"] - dlat,
        "lat_max": referral["lat"] + dlat,
        "lon_min": referral["lon"] - dlon,
        "lon_max": referral["lon"] + dlon,
        "inner2": inner * abs(inner),
        "outer2": outer * outer if not math.isinf(outer) else 1e12,
    }


def _shared_params(plan_year: int, now: datetime) -> dict[str, Any]:
    ops = connection.ops
    return {
        "now": ops.adapt_datetimefield_value(now),
        "ky": MILES_PER_DEGREE**2,
        "plan_year": plan_year,
        "today": ops.adapt_datefield_value(now.date()),
    }


def _prepared(row: Row, now: datetime) -> Row:
    row["weekly"], row["breaks"] = _json(row["weekly"]), _json(row["breaks"])
    row["override_date"] = _date(row["override_date"])
    row["override_until"] = _instant(row["override_until"])
    row["last_offered_at"] = _instant(row["last_offered_at"])
    # Out of office right now: one period covering this instant is all the rules need.
    row["out_of_office"] = [availability.Period(now, None)] if row["away"] else []
    return row


def _page(params: dict[str, Any]) -> list[Row]:
    """One page of one referral's ring, as the database returns it: on PostgreSQL bound on
    the server, so that the connection prepares it (HOD_PG_PREPARED_STATEMENTS)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as pg:
            pg.execute(RING_SQL, params)
            return [dict(zip(COLUMNS, row, strict=True)) for row in pg.fetchall()]
    with connection.cursor() as cursor:
        cursor.execute(RING_SQL, params)
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


class Stream:
    """A referral's candidates not yet offered it, nearest first, a page at a time.

    The database does the work: an index range scan of a latitude band (coverage_lookup),
    then the order by an equirectangular distance — plain arithmetic, so SQLite and
    PostgreSQL agree — and by the longest wait for ties. Within a few hundred miles this
    order matches the great-circle one; the reported miles are great-circle. Each ring is
    read in pages that grow (16, 64, 256), so a night with nobody available costs a few
    queries, not one per handful of agents. A batch reads the pages of many streams in one
    query (`read_ahead`).

    `paused_now`: agents a batch is pausing for a miss, not yet written.
    """

    def __init__(
        self, referral: Referral, plan_year: int, now: datetime, *, paused_now: AbstractSet[int] = frozenset()
    ) -> None:
        self.referral, self.now, self.paused_now = referral, now, paused_now
        self.exhausted = False
        # The distance of the last row read when more rows may follow at that very distance
        # (the page was full); None when every row up to the last one read is in hand.
        self.open_at: float | None = None
        self._params = {**_shared_params(plan_year, now), **_referral_params(referral)}
        self._ring, self._offset, self._size = 0, 0, FIRST_PAGE
        self._ready: list[Row] = []

    def request(self) -> dict[str, Any]:
        """The query's values for the next page."""
        inner = RINGS[self._ring - 1] if self._ring else -1.0
        ring = _ring_params(self._params, inner, RINGS[self._ring])
        return {**self._params, **ring, "take": self._size, "skip": self._offset}

    def receive(self, page: list[Row]) -> None:
        """Take the page `request()` asked for, and move on past it."""
        if len(page) == self._size:
            self.open_at = page[-1]["d2"]
            self._offset += self._size
            self._size = min(self._size * 4, MAX_PAGE)
        else:
            self.open_at = None
            self._ring, self._offset, self._size = self._ring + 1, 0, FIRST_PAGE
            self.exhausted = self._ring == len(RINGS)
        self._ready += [_prepared(row, self.now) for row in page]

    def reason(self, row: Row) -> str | None:
        """Why the row's agent cannot be offered the referral now; None when they can."""
        if "reason" not in row:
            paused = int(row["agent_id"]) in self.paused_now
            row["reason"] = "paused_after_miss" if paused else unavailable_reason(row, self.now)
        return row["reason"]  # type: ignore[no-any-return]

    def has_available(self) -> bool:
        return any(self.reason(row) is None for row in self._ready)

    def next_page(self) -> list[Row]:
        """The rows read and not yet taken, in order, ready for the rules; [] once exhausted."""
        while not self._ready and not self.exhausted:
            self.receive(_page(self.request()))
        rows, self._ready = self._ready, []
        return rows


def read_pages(streams: list[Stream]) -> None:
    """The next page of every stream, in one round trip on PostgreSQL (a LATERAL join over
    the batch: the same query per referral, run by the database in one go)."""
    if connection.vendor != "postgresql":
        for stream in streams:
            stream.receive(_page(stream.request()))
        return
    requests = [stream.request() for stream in streams]
    params = {name: requests[0][name] for name in ("now", "ky", "plan_year", "today")}
    params.update({name: [request[name] for request in requests] for name in PER_REFERRAL})
    pages: dict[int, list[Row]] = {request["referral"]: [] for request in requests}
    # Bound on the server: psycopg sends the arrays in binary, not quoted as text.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(PAGES_SQL, params, prepare=False)  # prepared, the re-routes measured ~10 % slower
        for for_referral, *row in cursor.fetchall():
            pages[for_referral].append(dict(zip(COLUMNS, row, strict=True)))
    for stream, request in zip(streams, requests, strict=True):
        stream.receive(pages[request["referral"]])


def read_ahead(streams: list[Stream]) -> None:
    """Read pages for all the streams together, round after round, until each has an
    available candidate in hand or has none left: a batch's decisions then rarely need a
    query of their own."""
    waiting = [stream for stream in streams if not stream.exhausted]
    while waiting:
        read_pages(waiting)
        waiting = [stream for stream in waiting if not stream.exhausted and not stream.has_available()]


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def unavailable_reason(row: dict[str, object], now: datetime) -> str | None:
    if row["paused_at"] is not None:
        return "paused_after_miss"  # R-MISS-4: until they say they are back
    if not _known_zone(str(row["time_zone"])):
        # Every write path checks the zone; a row that still holds a bad one costs that
        # agent their referrals, said in the log, not every nearby consumer a failed intake.
        logger.error(
            "agent %s has an unknown time zone %r: passed over until it is corrected", row["agent_id"], row["time_zone"]
        )
        return "unknown_time_zone"
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


def _candidate(referral: Referral, row: Row) -> Candidate:
    return Candidate(
        agent_id=int(row["agent_id"]),
        distance=distance_miles(referral.lat, referral.lon, row["lat"], row["lon"]),
        last_offered_at=row["last_offered_at"],
        email=str(row["email"]),
        phone=str(row["phone"]),
        preferred_contact=str(row["preferred_contact"]),
        failed_channels=str(row["failed_channels"] or ""),
        language=str(row["ui_language"] or "en"),
    )


def decide(stream: Stream, *, keep: int = 50, offered_now: AbstractSet[int] = frozenset()) -> Decision:
    """The nearest available agent of the stream, or none.

    `offered_now`: agents a batch has just offered another referral, not yet written: their
    wait restarts now, so ties sort them last, as the database will once the offers are
    written (see also the stream's `paused_now`). A re-sorted agent at the last distance
    read is decided on only once the rows that may follow at that same distance are read.
    """
    decision = Decision()
    now = stream.now

    def order(row: Row) -> tuple[float, bool, datetime, int]:
        agent_id = int(row["agent_id"])
        waited_since = now if agent_id in offered_now else row["last_offered_at"]
        return (row["d2"], waited_since is not None, waited_since or EPOCH, agent_id)

    rows: list[Row] = []
    while True:
        if not rows or (
            stream.open_at is not None and rows[0]["d2"] >= stream.open_at and int(rows[0]["agent_id"]) in offered_now
        ):
            page = stream.next_page()
            if not page and not rows:
                return decision
            rows = sorted(rows + page, key=order) if offered_now else rows + page
            if page:
                continue
        row = rows.pop(0)
        decision.examined += 1
        reason = stream.reason(row)
        if reason is None:
            decision.chosen = _candidate(stream.referral, row)
            return decision
        if len(decision.passed_over) < keep:
            miles = distance_miles(stream.referral.lat, stream.referral.lon, row["lat"], row["lon"])
            decision.passed_over.append({"agent": int(row["agent_id"]), "miles": round(miles, 1), "reason": reason})


def next_candidate(referral: Referral, plan_year: int, now: datetime, *, keep: int = 50) -> Decision:
    """The nearest available agent not yet offered this referral, or none.

    1. Coverage rows (eligible, registered, not suspended, licensed in the state with it
       in their preferences, speaking the language), minus agents already offered.
    2. Nearest first by great-circle distance between ZIPs, searched ring by ring; ties
       by longest wait since the last offer.
    3. The first one available now wins; the nearer ones and why they were passed over
       are kept (up to `keep`) for the explanation.
    """
    return decide(Stream(referral, plan_year, now), keep=keep)
