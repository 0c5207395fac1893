"""Where consumers will wait (R-OPS): how many agents' standard hours cover each hour of the
coming week, by language, in one state.

Standard hours only — the week as agents set it. Out of Office, Today's Availability and
pauses change it day by day and are not foreseeable. Agents without a schedule get no
referrals (routing says "no_schedule"), so they cover no hour here either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Count

from availability import rules
from eligibility.models import Coverage
from eligibility.services import plan_year_at
from lib.languages import LANGUAGES

HOURS_A_WEEK = 7 * 24
# Fewer agents than this in an hour and one busy agent leaves the next consumer waiting.
THIN = 3


@dataclass
class LanguageCoverage:
    language: str
    agents: int
    hours: list[int]  # agents available in each hour of the week, Monday 00:00 first

    @property
    def hours_with_nobody(self) -> int:
        return sum(n == 0 for n in self.hours)

    @property
    def thin_hours(self) -> int:
        return sum(0 < n < THIN for n in self.hours)

    def grid(self) -> list[list[int]]:
        """24 rows (hours of the day), 7 columns (Monday first)."""
        return [[self.hours[day * 24 + hour] for day in range(7)] for hour in range(24)]


def week_of(now: datetime, zone: str) -> date:
    """The Monday of the coming week, in the office's time zone."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return today + timedelta(days=7 - today.weekday())


def weekly_coverage(state: str, now: datetime, zone: str) -> list[LanguageCoverage]:
    """Every HealthCare.gov language, with the state's agents who speak it and, for each hour
    of the coming week (`zone`'s wall clock), how many of them are available at its middle.

    The database groups the state's agents by language, time zone and schedule (Texas:
    28,000 coverage rows, about a thousand groups); each distinct schedule's week is
    evaluated once."""
    monday = datetime.combine(week_of(now, zone), time(0, 30), ZoneInfo(zone))
    groups = (
        Coverage.objects.filter(plan_year=plan_year_at(now), state=state)
        .values_list("language", "agent__time_zone", "agent__schedule__weekly", "agent__schedule__breaks")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals = {code: [0] * HOURS_A_WEEK for code in LANGUAGES}
    agents = dict.fromkeys(LANGUAGES, 0)
    for language, time_zone, weekly, breaks, n in groups:
        if language not in totals:
            continue
        agents[language] += n
        if weekly is None:
            continue
        week = _week(json.dumps(weekly), json.dumps(breaks or []), time_zone, monday.isoformat(), zone)
        totals[language] = [total + n * available for total, available in zip(totals[language], week, strict=True)]
    return [LanguageCoverage(code, agents[code], totals[code]) for code in LANGUAGES]


@lru_cache(maxsize=4096)
def _week(weekly: str, breaks: str, time_zone: str, monday: str, zone: str) -> tuple[bool, ...]:
    """One schedule's week: most agents share a few schedules, so each is evaluated once."""
    week, pauses = json.loads(weekly), json.loads(breaks)
    start = datetime.fromisoformat(monday).replace(tzinfo=ZoneInfo(zone))
    return tuple(
        rules.unavailable_reason(
            weekly=week,
            breaks=pauses,
            override=None,
            out_of_office=(),
            time_zone=time_zone,
            now=start + timedelta(hours=hour),  # wall-clock hours of `zone`
        )
        is None
        for hour in range(HOURS_A_WEEK)
    )
