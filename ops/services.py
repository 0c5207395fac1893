"""The operator console's figures (R-OPS): the live queue and the service levels.

Read-only, and about referrals as a whole: nothing here reads a consumer's name or contact
data, so the page that shows these figures never holds any (R-SEC-1).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agents.models import Agent
from eligibility.models import Coverage, FfmRegistration, ServedState
from eligibility.services import plan_year_at
from referrals.models import Event, Offer, OfferKind, Outcome, Referral, Status

# Safety-net referrals listed one by one, oldest first; the counts cover them all.
SAFETY_NET_ROWS = 50
# How long before a plan year starts (November 1) the console checks its data is loaded.
READINESS_LEAD = timedelta(days=45)


@dataclass
class LiveQueue:
    now: datetime
    waiting_on_agent: int = 0  # referrals offered to one agent, 15 minutes at a time
    oldest_waiting_since: datetime | None = None
    overdue_offers: int = 0  # past their 15 minutes and not yet moved on: the dispatcher is behind
    in_safety_net: int = 0
    oldest_safety_net_since: datetime | None = None
    safety_net: list[dict[str, Any]] = field(default_factory=list)
    by_state: list[dict[str, Any]] = field(default_factory=list)
    agents_taking_part: int = 0
    agents_paused: int = 0
    agents_suspended: int = 0

    @property
    def oldest_waiting(self) -> timedelta | None:
        return self.now - self.oldest_waiting_since if self.oldest_waiting_since else None

    @property
    def oldest_safety_net(self) -> timedelta | None:
        return self.now - self.oldest_safety_net_since if self.oldest_safety_net_since else None


def _per_referral(rows: QuerySet[Any]) -> Coalesce:
    """How many of `rows` each referral of the outer query has, as a correlated count."""
    counted = rows.filter(referral=OuterRef("pk")).values("referral").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted), 0)


def live_queue(now: datetime) -> LiveQueue:
    queue = LiveQueue(now=now)
    offered = Referral.objects.filter(status=Status.OFFERED)
    safety_net = Referral.objects.filter(status=Status.SAFETY_NET)
    figures = offered.aggregate(n=Count("id"), oldest=Min("created_at"))
    queue.waiting_on_agent, queue.oldest_waiting_since = figures["n"], figures["oldest"]
    figures = safety_net.aggregate(n=Count("id"), oldest=Min("safety_net_at"))
    queue.in_safety_net, queue.oldest_safety_net_since = figures["n"], figures["oldest"]
    queue.overdue_offers = Offer.objects.filter(
        kind=OfferKind.DIRECT, outcome=Outcome.PENDING, expires_at__lte=now
    ).count()
    closes_after = timedelta(hours=settings.HOD_SAFETY_NET_HOURS)
    # The oldest first, off the safety-net index; then, for the rows shown only (correlated
    # counts, not over the whole safety net), the agents emailed and how often the consumer
    # asked again while waiting (intake.services): the ones who keep trying stand out.
    rows = (
        safety_net.order_by("safety_net_at", "pk")
        .annotate(
            notified=_per_referral(Offer.objects.filter(kind=OfferKind.SAFETY_NET)),
            asked_again=_per_referral(Event.objects.filter(kind="asked_again")),
        )
        .values(
            "pk",
            "public_id",
            "city",
            "county",
            "state",
            "language",
            "created_at",
            "safety_net_at",
            "notified",
            "asked_again",
        )
    )
    for row in rows[:SAFETY_NET_ROWS]:
        row["reference"] = row.pop("public_id").hex[:8].upper()
        row["location"] = ", ".join(part for part in (row["city"], row["county"], row["state"]) if part)
        row["waiting"] = now - row["created_at"]
        row["closes_in"] = max(row["safety_net_at"] + closes_after - now, timedelta(0))
        queue.safety_net.append(row)
    queue.by_state = list(
        Referral.objects.filter(status__in=(Status.OFFERED, Status.SAFETY_NET))
        .values("state")
        .annotate(
            offered=Count("id", filter=Q(status=Status.OFFERED)),
            safety_net=Count("id", filter=Q(status=Status.SAFETY_NET)),
        )
        .order_by("-safety_net", "-offered", "state")
    )
    agents = Agent.objects.aggregate(
        taking_part=Count("id", filter=Q(eligible=True)),
        paused=Count("id", filter=Q(eligible=True, paused_at__isnull=False)),
        suspended=Count("id", filter=Q(suspended_at__isnull=False)),
    )
    queue.agents_taking_part, queue.agents_paused = agents["taking_part"], agents["paused"]
    queue.agents_suspended = agents["suspended"]
    return queue


@dataclass
class ServiceLevels:
    start: datetime
    end: datetime
    received: int = 0
    accepted: int = 0
    accepted_in_time: int = 0  # within the offer window of the request (15 minutes)
    median_to_accept: timedelta | None = None
    p90_to_accept: timedelta | None = None
    misses: int = 0
    safety_net: int = 0
    unserved: int = 0
    still_open: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return 100 * part / whole if whole else None

    @property
    def accepted_in_time_share(self) -> float | None:
        return self.share(self.accepted_in_time, self.received)

    @property
    def safety_net_share(self) -> float | None:
        return self.share(self.safety_net, self.received)

    @property
    def unserved_share(self) -> float | None:
        return self.share(self.unserved, self.received)


def service_levels(start: datetime, end: datetime) -> ServiceLevels:
    """The referrals received in [start, end), followed to where they stand now; misses are
    the direct offers that lapsed in the period."""
    levels = ServiceLevels(start=start, end=end)
    received = Referral.objects.filter(created_at__gte=start, created_at__lt=end)
    window = timedelta(minutes=settings.HOD_OFFER_MINUTES)
    figures = received.aggregate(
        received=Count("id"),
        accepted=Count("id", filter=Q(accepted_at__isnull=False)),
        accepted_in_time=Count("id", filter=Q(accepted_at__lte=F("created_at") + window)),
        safety_net=Count("id", filter=Q(safety_net_at__isnull=False)),
        unserved=Count("id", filter=Q(status=Status.UNSERVED)),
        still_open=Count("id", filter=Q(status__in=(Status.OFFERED, Status.SAFETY_NET))),
    )
    levels.received, levels.safety_net = figures["received"], figures["safety_net"]
    levels.unserved, levels.still_open = figures["unserved"], figures["still_open"]
    levels.accepted, levels.accepted_in_time = figures["accepted"], figures["accepted_in_time"]
    if levels.accepted:
        levels.median_to_accept, levels.p90_to_accept = _times_to_accept(start, end)
    levels.misses = Offer.objects.filter(
        kind=OfferKind.DIRECT, outcome=Outcome.EXPIRED, decided_at__gte=start, decided_at__lt=end
    ).count()
    return levels


PERCENTILES_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY accepted_at - created_at)
FROM referrals_referral WHERE created_at >= %s AND created_at < %s AND accepted_at IS NOT NULL
"""


def _times_to_accept(start: datetime, end: datetime) -> tuple[timedelta, timedelta]:
    """Median and 90th percentile of request → acceptance, interpolated between the nearest
    values: in PostgreSQL for a week of open enrollment (fetching 200,000 pairs took seconds);
    in Python on SQLite, the embedded single-machine database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PERCENTILES_SQL, [start, end])
            median, p90 = cursor.fetchone()[0]
        return median, p90
    times = Referral.objects.filter(created_at__gte=start, created_at__lt=end, accepted_at__isnull=False)
    pairs = times.values_list("created_at", "accepted_at")
    seconds = [(accepted - created).total_seconds() for created, accepted in pairs if accepted is not None]
    if len(seconds) == 1:
        return timedelta(seconds=seconds[0]), timedelta(seconds=seconds[0])
    return (
        timedelta(seconds=statistics.median(seconds)),
        timedelta(seconds=statistics.quantiles(seconds, n=10, method="inclusive")[8]),
    )


def plan_year_problems(now: datetime) -> list[str]:
    """What is missing for the plan year in force, and, in the weeks before the next one
    starts, for that one: each data load the service cannot work without, in words."""
    problems = []
    current = plan_year_at(now)
    if not ServedState.objects.filter(plan_year=current).exists():
        problems.append(
            _(
                "No HealthCare.gov states are loaded for plan year %(year)s: intake turns every consumer away. "
                "Add them under Served states."
            )
            % {"year": current}
        )
    if not FfmRegistration.objects.filter(plan_year=current).exists():
        problems.append(
            _("The FFM registration list for plan year %(year)s is not imported: no agent can take part.")
            % {"year": current}
        )
    elif not Coverage.objects.filter(plan_year=current).exists():
        problems.append(
            _("No agent covers any state in plan year %(year)s: every request goes unanswered.") % {"year": current}
        )
    upcoming = plan_year_at(now + READINESS_LEAD)
    if upcoming != current:
        starts = date_format(date(upcoming - 1, 11, 1), "DATE_FORMAT")
        if not ServedState.objects.filter(plan_year=upcoming).exists():
            problems.append(
                _(
                    "Plan year %(year)s starts on %(date)s and no HealthCare.gov states are loaded for it: "
                    "from that day intake would turn every consumer away."
                )
                % {"year": upcoming, "date": starts}
            )
        if not FfmRegistration.objects.filter(plan_year=upcoming).exists():
            problems.append(
                _(
                    "Plan year %(year)s starts on %(date)s and its FFM registration list is not imported: "
                    "from that day no agent could take part."
                )
                % {"year": upcoming, "date": starts}
            )
        if not Agent.objects.filter(hod_training_plan_year=upcoming).exists():
            problems.append(
                _(
                    "Plan year %(year)s starts on %(date)s and no agent has completed its Help On Demand course "
                    "yet: import the MLMS export."
                )
                % {"year": upcoming, "date": starts}
            )
    return problems
