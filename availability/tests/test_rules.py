from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from availability.models import default_weekly
from availability.rules import Override, Period, end_of_local_day, unavailable_reason

NY = "America/New_York"
PHX = "America/Phoenix"
LUNCH = [{"days": [0, 1, 2, 3, 4], "start": "12:00", "end": "13:00"}]


def at(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def reason(now: datetime, tz: str = NY, *, weekly=None, breaks=(), override=None, ooo=()) -> str | None:
    return unavailable_reason(
        weekly=weekly or default_weekly(), breaks=breaks, override=override, out_of_office=ooo, time_zone=tz, now=now
    )


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 11, 23, 7, 59, 59), "outside_hours"),  # Monday, one second before 8
        ((2026, 11, 23, 8, 0), None),
        ((2026, 11, 23, 16, 59, 59), None),
        ((2026, 11, 23, 17, 0), "outside_hours"),  # 5:00 p.m. sharp: stopped
        ((2026, 11, 28, 10, 0), "day_off"),  # Saturday
    ],
)
def test_default_hours_are_monday_to_friday_8_to_5_local(local, expected):
    assert reason(at(NY, *local)) == expected


def test_breaks_pause_referrals_on_their_days_only():
    assert reason(at(NY, 2026, 11, 23, 11, 59), breaks=LUNCH) is None
    assert reason(at(NY, 2026, 11, 23, 12, 0), breaks=LUNCH) == "on_break"
    assert reason(at(NY, 2026, 11, 23, 13, 0), breaks=LUNCH) is None
    weekend = [{"on": True, "start": "08:00", "end": "17:00"}] * 7
    assert reason(at(NY, 2026, 11, 28, 12, 30), weekly=weekend, breaks=LUNCH) is None


def test_hours_follow_the_local_clock_on_the_day_daylight_saving_starts():
    # Sunday 8 March 2026, New York springs forward at 2:00; 8:00 EDT is 12:00 UTC.
    weekly = [{"on": True, "start": "08:00", "end": "17:00"}] * 7
    assert reason(datetime(2026, 3, 8, 11, 59, tzinfo=UTC), weekly=weekly) == "outside_hours"
    assert reason(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), weekly=weekly) is None
    # The day before, 8:00 EST was 13:00 UTC.
    assert reason(datetime(2026, 3, 7, 12, 30, tzinfo=UTC), weekly=weekly) == "outside_hours"
    assert reason(datetime(2026, 3, 7, 13, 0, tzinfo=UTC), weekly=weekly) is None


def test_hours_follow_the_local_clock_on_the_day_daylight_saving_ends():
    # Sunday 1 November 2026 falls back; 17:00 EST is 22:00 UTC (21:00 UTC the day before).
    weekly = [{"on": True, "start": "08:00", "end": "17:00"}] * 7
    assert reason(datetime(2026, 11, 1, 21, 59, tzinfo=UTC), weekly=weekly) is None
    assert reason(datetime(2026, 11, 1, 22, 0, tzinfo=UTC), weekly=weekly) == "outside_hours"
    assert reason(datetime(2026, 10, 31, 21, 0, tzinfo=UTC), weekly=weekly) == "outside_hours"


def test_arizona_keeps_no_daylight_saving():
    # 8:00 in Phoenix is 15:00 UTC in winter and in summer alike.
    assert reason(datetime(2026, 7, 6, 14, 59, tzinfo=UTC), PHX) == "outside_hours"
    assert reason(datetime(2026, 7, 6, 15, 0, tzinfo=UTC), PHX) is None
    assert reason(datetime(2026, 1, 5, 15, 0, tzinfo=UTC), PHX) is None


def test_todays_switch_on_after_hours_runs_until_the_stop_time():
    evening = at(NY, 2026, 11, 23, 19, 0)
    stop = end_of_local_day(evening, NY)
    assert stop == at(NY, 2026, 11, 24, 0, 0)
    switch = Override(on_date=date(2026, 11, 23), on=True, until=stop)
    assert reason(evening, override=switch) is None
    assert reason(stop - timedelta(seconds=1), override=switch) is None
    assert reason(stop, override=switch) == "outside_hours"  # tomorrow, before 8: the schedule is back
    assert reason(at(NY, 2026, 11, 24, 9, 0), override=switch) is None


def test_todays_switch_off_stops_referrals_for_the_rest_of_today_only():
    switch = Override(on_date=date(2026, 11, 23), on=False, until=None)
    assert reason(at(NY, 2026, 11, 23, 9, 0), override=switch) == "switched_off_today"
    assert reason(at(NY, 2026, 11, 24, 9, 0), override=switch) is None


def test_out_of_office_with_and_without_an_end():
    start = at(NY, 2026, 11, 23, 9, 0)
    vacation = Period(start, start + timedelta(days=2))
    assert reason(start - timedelta(seconds=1), ooo=[vacation]) is None
    assert reason(start, ooo=[vacation]) == "out_of_office"
    assert reason(start + timedelta(days=2), ooo=[vacation]) is None
    indefinite = Period(start, None)
    assert (
        reason(
            start + timedelta(days=400), weekly=[{"on": True, "start": "00:00", "end": "24:00"}] * 7, ooo=[indefinite]
        )
        == "out_of_office"
    )
    # Out of office wins over today's switch.
    switch = Override(on_date=date(2026, 11, 23), on=True, until=start + timedelta(hours=10))
    assert reason(start + timedelta(hours=1), override=switch, ooo=[indefinite]) == "out_of_office"


def test_a_day_that_ends_at_24_00_includes_the_last_minute():
    late = [{"on": True, "start": "20:00", "end": "24:00"}] * 7
    assert reason(at(NY, 2026, 11, 23, 23, 59, 59), weekly=late) is None
    assert reason(at(NY, 2026, 11, 24, 0, 0), weekly=late) == "outside_hours"
