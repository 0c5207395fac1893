"""Is an agent available at an instant? Pure functions of the schedule data (R-AVAIL-1…4).

Everything is evaluated in the agent's own time zone with zoneinfo, so daylight saving
is handled by the conversion itself: a local "08:00" is whatever instant the clock on the
agent's wall shows 08:00 that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    starts_at: datetime
    ends_at: datetime | None

    def covers(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True, slots=True)
class Override:
    on_date: date
    on: bool
    until: datetime | None


def parse_hhmm(value: str) -> time | None:
    """ "08:30" → 08:30; "24:00" → None, which means the end of the day."""
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _within(local: time, start: str, end: str) -> bool:
    start_t = parse_hhmm(start) or time(0)
    end_t = parse_hhmm(end)
    return start_t <= local and (end_t is None or local < end_t)


def unavailable_reason(
    *,
    weekly: Sequence[dict[str, object]],
    breaks: Iterable[dict[str, object]],
    override: Override | None,
    out_of_office: Iterable[Period],
    time_zone: str,
    now: datetime,
) -> str | None:
    """None when available at `now`, else a short reason code for explanations.

    1. Out of office wins over everything.
    2. Today's Availability, when set for today's local date, decides alone: on until its
       stop time, or off for the rest of the day.
    3. Otherwise the day's standard hours, minus breaks.
    """
    if any(period.covers(now) for period in out_of_office):
        return "out_of_office"
    local = now.astimezone(ZoneInfo(time_zone))
    if override is not None and override.on_date == local.date():
        if not override.on:
            return "switched_off_today"
        if override.until is not None and now >= override.until:
            return "past_stop_time"
        return None
    day = weekly[local.weekday()]
    if not day.get("on"):
        return "day_off"
    local_time = local.time().replace(tzinfo=None)
    if not _within(local_time, str(day["start"]), str(day["end"])):
        return "outside_hours"
    for pause in breaks:
        days = pause.get("days")
        if isinstance(days, list) and local.weekday() not in days:
            continue
        if _within(local_time, str(pause["start"]), str(pause["end"])):
            return "on_break"
    return None


def end_of_local_day(now: datetime, time_zone: str) -> datetime:
    """The next local midnight as an aware instant: the default "Stop Referrals" time."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return midnight
