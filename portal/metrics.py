"""View Metrics and Export Metrics (R-PORTAL-4): one agent's referrals over a date range.

Figures are counted from the agent's own offers, the same rows Manage Referrals lists, and
the export is built from `portal.rows.row`, so it shows a consumer's name and contact data
exactly where the list does: only on referrals this agent accepted (R-SEC-1).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl.worksheet.worksheet import Worksheet

from agents.models import Agent
from lib.durations import spoken
from portal import rows
from referrals.models import Completion, NotGoodReason, Offer, OfferKind, Outcome, Status

# Response-time buckets, in minutes: the offer's 15 minutes in the steps agents think in.
BUCKETS = ((0, 1), (1, 2), (2, 5), (5, 10), (10, 15))
# Longer ranges are charted by week, so that a bar stays wide enough to read on a phone.
DAILY_UP_TO = 45
OUTCOME_SERIES = (
    ("accepted", gettext_lazy("Accepted"), "#005ea2"),
    ("rejected", gettext_lazy("Rejected"), "#71767a"),
    ("missed", gettext_lazy("Missed"), "#b50909"),
)
# Cells a spreadsheet would run as a formula (OWASP "CSV injection"), whatever the column.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass
class Period:
    label: str
    start: date
    counts: dict[str, int]


@dataclass
class Metrics:
    start: date
    end: date
    received: int = 0  # direct offers
    safety_net: int = 0  # safety-net notices
    accepted: int = 0
    rejected: int = 0
    missed: int = 0
    taken: int = 0  # safety-net notices another agent accepted first
    in_progress: int = 0
    not_good: Counter[str] = field(default_factory=Counter)
    completed: Counter[str] = field(default_factory=Counter)
    response_seconds: list[float] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)

    @property
    def completed_total(self) -> int:
        return sum(self.completed.values())

    @property
    def median_response(self) -> float | None:
        return median(self.response_seconds) if self.response_seconds else None

    @property
    def median_response_words(self) -> str:
        """The median response as people say it: "45 s", "4.2 min" (lib.durations)."""
        median_seconds = self.median_response
        return spoken(None if median_seconds is None else timedelta(seconds=median_seconds))

    def summary(self) -> list[tuple[str, object]]:
        """The figures in order, labelled: the page's tiles and the export's summary."""
        lines: list[tuple[str, object]] = [
            (_("Referrals received"), self.received),
            (_("Safety-net notices"), self.safety_net),
            (_("Accepted"), self.accepted),
            (_("Rejected"), self.rejected),
            (_("Missed"), self.missed),
            (_("Taken by another agent"), self.taken),
            (_("In Progress"), self.in_progress),
        ]
        not_good, completed = _("Not a Good Referral"), _("Referral Completed")
        lines += [(f"{not_good}: {label}", self.not_good[v]) for v, label in NotGoodReason.choices]
        lines += [(f"{completed}: {label}", self.completed[v]) for v, label in Completion.choices]
        median_seconds = self.median_response
        lines.append((_("Median response time (seconds)"), round(median_seconds) if median_seconds is not None else ""))
        return lines


def bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a range of local dates covers, both days included."""
    first = datetime.combine(start, time(0), tzinfo=zone)
    return first, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)


def offers_in(agent: Agent, start: date, end: date, zone: ZoneInfo) -> QuerySet[Offer]:
    since, until = bounds(start, end, zone)
    return (
        Offer.objects.filter(agent=agent, offered_at__gte=since, offered_at__lt=until)
        .select_related("referral")
        .order_by("offered_at", "pk")
    )


def _period_start(day: date, weekly: bool) -> date:
    return day - timedelta(days=day.weekday()) if weekly else day


def compute(offers: Iterable[Offer], start: date, end: date, zone: ZoneInfo) -> Metrics:
    """The figures of the agent's offers made between `start` and `end` (see `offers_in`)."""
    metrics = Metrics(start=start, end=end)
    weekly = (end - start).days + 1 > DAILY_UP_TO
    periods: dict[date, Period] = {}
    day = start
    while day <= end:
        key = _period_start(day, weekly)
        if key not in periods:
            label = date_format(key, pgettext("a day on a chart's axis, as a date format", "M j"))
            periods[key] = Period(label=label, start=key, counts=dict.fromkeys(("accepted", "rejected", "missed"), 0))
        day += timedelta(days=1)
    for offer in offers:
        direct = offer.kind == OfferKind.DIRECT
        metrics.received += direct
        metrics.safety_net += not direct
        outcome = offer.outcome
        bucket = periods[_period_start(offer.offered_at.astimezone(zone).date(), weekly)].counts
        if outcome in (Outcome.ACCEPTED, Outcome.REJECTED) and offer.decided_at:
            metrics.response_seconds.append((offer.decided_at - offer.offered_at).total_seconds())
        if outcome == Outcome.ACCEPTED:
            metrics.accepted += 1
            bucket["accepted"] += 1
            referral = offer.referral
            if referral.status == Status.COMPLETED:
                metrics.completed[referral.completion] += 1
            elif referral.status == Status.NOT_GOOD:
                metrics.not_good[referral.not_good_reason] += 1
            elif referral.status == Status.IN_PROGRESS:
                metrics.in_progress += 1
        elif outcome == Outcome.REJECTED:
            metrics.rejected += 1
            bucket["rejected"] += 1
        elif outcome == Outcome.EXPIRED:
            metrics.missed += 1
            bucket["missed"] += 1
        elif outcome == Outcome.TAKEN:
            metrics.taken += 1
    metrics.periods = list(periods.values())
    return metrics


# --- Charts: plain SVG drawn on the server, each with its figures as a table too ---------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]  # x, y, text
    legend: list[tuple[str, str]]  # label, color
    table_head: list[str]
    table: list[list[object]]
    empty: bool
    kind: str = "svg"  # or "bars": horizontal bars in HTML

    @property
    def rows(self) -> list[tuple[Bar, str]]:
        return [(bar, text) for bar, (_x, _y, text) in zip(self.bars, self.labels, strict=True)]


def _scale(values: Sequence[int]) -> int:
    return max(1, *values) if values else 1


def outcomes_chart(metrics: Metrics) -> Chart:
    """Referrals by outcome over time: stacked bars per day (per week on long ranges)."""
    width, height, bottom = 400, 180, 24
    n = max(1, len(metrics.periods))
    margin = 20  # room for the first and last dates' labels
    slot = (width - 2 * margin) / n
    top = _scale([sum(p.counts.values()) for p in metrics.periods])
    bars, labels = [], []
    every = max(1, -(-n // 6))  # at most six dates under the bars
    for i, period in enumerate(metrics.periods):
        y = float(height - bottom)
        for key, label, color in OUTCOME_SERIES:
            value = period.counts[key]
            if value:
                h = (height - bottom - 10) * value / top
                y -= h
                x = margin + i * slot + slot * 0.15
                bars.append(Bar(x, y, slot * 0.7, h, color, f"{period.label}: {value} {label}"))
        if i % every == 0:
            labels.append((margin + i * slot + slot / 2, float(height - 8), period.label))
    return Chart(
        title=_("Referrals by outcome"),
        width=width,
        height=height,
        bars=bars,
        labels=labels,
        legend=[(str(label), color) for _key, label, color in OUTCOME_SERIES],
        table_head=[_("Period"), *(str(label) for _key, label, _color in OUTCOME_SERIES)],
        table=[[p.label, *(p.counts[key] for key, _label, _color in OUTCOME_SERIES)] for p in metrics.periods],
        empty=not any(sum(p.counts.values()) for p in metrics.periods),
    )


def _horizontal(title: str, head: list[str], items: list[tuple[str, int]], color: str) -> Chart:
    """Bars drawn as HTML, so that labels wrap and stay readable on a phone."""
    top = _scale([value for _label, value in items])
    bars = [Bar(0, 0, 100 * value / top, 0, color, label) for label, value in items]
    return Chart(
        title=title,
        width=0,
        height=0,
        bars=bars,
        labels=[(0, 0, str(value)) for _label, value in items],
        legend=[],
        table_head=head,
        table=[[label, value] for label, value in items],
        empty=not any(value for _label, value in items),
        kind="bars",
    )


def response_chart(metrics: Metrics) -> Chart:
    """How fast the agent answered offers (accepted or rejected), in the 15 minutes' steps."""
    counts: Counter[tuple[int, int]] = Counter()
    for seconds in metrics.response_seconds:
        minutes = seconds / 60
        for low, high in BUCKETS:
            if low <= minutes < high or (high == BUCKETS[-1][1] and minutes >= high):
                counts[(low, high)] += 1
                break
    items = [(_("%(low)s–%(high)s min") % {"low": low, "high": high}, counts[(low, high)]) for low, high in BUCKETS]
    return _horizontal(_("Response times"), [_("Answered within"), _("Referrals")], items, "#005ea2")


def completions_chart(metrics: Metrics) -> Chart:
    items = [(str(label), metrics.completed[value]) for value, label in Completion.choices]
    return _horizontal(_("Completed referrals by subcategory"), [_("Subcategory"), _("Referrals")], items, "#00703c")


# --- Export ----------------------------------------------------------------------------------


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe, so
    it is shown as typed and never run. Numbers and dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(agent: Agent, offers: Iterable[Offer], zone: ZoneInfo) -> tuple[list[str], list[list[object]]]:
    head = [
        _("Referral Assigned"),
        _("Name"),
        _("Phone"),
        _("Email"),
        _("Location"),
        _("Kind"),
        _("Referral Status"),
        _("Completed how?"),
        _("Why not a good referral?"),
        _("Response time (seconds)"),
        _("Contact attempts"),
    ]
    completions, reasons = dict(Completion.choices), dict(NotGoodReason.choices)
    body: list[list[object]] = []
    for offer in offers:
        row = rows.row(offer, agent, zone)
        answered = offer.decided_at if offer.outcome in (Outcome.ACCEPTED, Outcome.REJECTED) else None
        body.append([
            row.assigned_at.strftime("%Y-%m-%d %H:%M"),
            row.name if row.ours else "",
            row.phone,
            row.email,
            row.location,
            _("Safety net") if row.safety_net else _("Direct"),
            row.status_label,
            str(completions.get(row.completion, "")),
            str(reasons.get(row.reason, "")),
            round((answered - offer.offered_at).total_seconds()) if answered else "",
            len(row.attempts) if row.ours else "",
        ])  # fmt: skip
    return head, body


def to_csv(head: list[str], body: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in head])
    writer.writerows([[neutralise(cell) for cell in line] for line in body])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(metrics: Metrics, head: list[str], body: list[list[object]], title: str) -> bytes:
    from openpyxl import Workbook  # imported here: only exports need it
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    assert summary is not None  # noqa: S101 - a new workbook has its sheet
    summary.title = _("Summary")[:31]
    summary.append([title])
    summary["A1"].font = Font(bold=True, size=13)
    for label, value in metrics.summary():
        _append(summary, [label, value])
    summary.column_dimensions["A"].width = 48
    sheet = book.create_sheet(_("Referrals")[:31])
    _append(sheet, head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in body:
        _append(sheet, line)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJK", (18, 24, 16, 28, 30, 12, 22, 30, 30, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(sheet: Worksheet, values: Sequence[object]) -> None:
    """Append a row whose text cells are always text: openpyxl would store "=…" as a formula."""
    sheet.append([neutralise(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
