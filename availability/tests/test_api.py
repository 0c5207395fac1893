"""Today's Availability through the API, as the agent's app switches it: the same rules and
the same refusals as the header's switch (R-AVAIL-2, R-MISS-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from availability import services
from availability.models import Schedule
from hod.testing import WEEKDAY_MORNING, make_agent
from referrals.tests.test_agent_api import with_token

pytestmark = pytest.mark.django_db
URL = "/api/v1/agent/availability"
OFFICE_HOURS = [{"on": d < 5, "start": "08:00", "end": "17:00"} for d in range(7)]  # Monday to Friday


@pytest.fixture
def ana():
    """Ana in Phoenix (UTC-7 all year), 8 to 5 on weekdays; Monday 10:00 there."""
    with time_machine.travel(WEEKDAY_MORNING, tick=False) as clock:
        agent = make_agent("Ana", weekly=OFFICE_HOURS)
        yield agent, with_token(agent), clock


def put(headers: dict[str, str], body: object) -> tuple[int, dict[str, object]]:
    answer = Client().put(URL, body, content_type="application/json", headers=headers)
    return answer.status_code, answer.json()


def test_the_app_reads_and_switches_todays_availability(ana):
    agent, headers, _clock = ana
    now = Client().get(URL, headers=headers).json()
    assert now == {"on": True, "reason": None, "stop_at": "2026-11-24T00:00:00Z", "next_at": None}  # 17:00 Phoenix

    assert put(headers, {"on": False}) == (
        200,
        {"on": False, "reason": "switched_off_today", "stop_at": None, "next_at": "2026-11-24T15:00:00Z"},
    )  # tomorrow 08:00 in Phoenix
    assert put(headers, {"on": True, "stop_at": "15:30"}) == (
        200,
        {"on": True, "reason": None, "stop_at": "2026-11-23T22:30:00Z", "next_at": None},
    )
    schedule = Schedule.objects.get(agent=agent)
    assert (schedule.override_on, schedule.override_until.isoformat()) == (True, "2026-11-23T22:30:00+00:00")


def test_a_bad_switch_names_what_is_wrong_and_changes_nothing(ana):
    agent, headers, _clock = ana
    put(headers, {"on": True, "stop_at": "15:30"})
    before = Schedule.objects.filter(agent=agent).values().get()
    refusals = [
        put(headers, {"on": True, "stop_at": "09:00"}),  # already past
        put(headers, {"on": True, "stop_at": "25:00"}),
        put(headers, {"on": True, "stop_at": "3pm"}),
        put(headers, {"on": False, "stop_at": "16:00"}),
        put(headers, {"on": "yes"}),
        put(headers, {}),
    ]
    assert refusals == [
        (400, {"errors": {"stop_at": ["Choose a time later today."]}}),
        (400, {"errors": {"stop_at": ["Enter a time as HH:MM, such as 17:30."]}}),
        (400, {"errors": {"stop_at": ["Enter a time as HH:MM, such as 17:30."]}}),
        (400, {"errors": {"stop_at": ["A stop time goes only with switching on."]}}),
        (400, {"errors": {"on": ["Enter true or false."]}}),
        (400, {"errors": {"on": ["This field is required."]}}),
    ]
    assert Schedule.objects.filter(agent=agent).values().get() == before
    spanish = Client().put(
        URL,
        {"on": True, "stop_at": "3pm"},
        content_type="application/json",
        headers={**headers, "Accept-Language": "es"},
    )
    assert spanish.json() == {"errors": {"stop_at": ["Escriba la hora como HH:MM, por ejemplo 17:30."]}}


def test_after_a_miss_the_app_says_paused_and_switching_on_resumes(ana):
    agent, headers, clock = ana
    services.pause_after_miss(agent.pk, WEEKDAY_MORNING, tell=False)
    clock.shift(timedelta(minutes=5))
    paused = Client().get(URL, headers=headers).json()
    assert (paused["on"], paused["reason"]) == (False, "paused_after_miss")
    status, body = put(headers, {"on": True})
    assert (status, body["on"], body["stop_at"]) == (200, True, "2026-11-24T00:00:00Z")
    agent.refresh_from_db()
    assert agent.paused_at is None


def test_only_an_agents_token_reaches_it(ana):
    _agent, _headers, _clock = ana
    assert Client().get(URL).status_code == 401
    assert Client().get(URL, headers=with_token()).status_code == 403  # a token of someone who is not an agent
    assert Client().put(URL, {"on": False}, content_type="application/json", headers=with_token()).status_code == 403
