"""Today's Availability through the API, as the agent's app switches it: the same rules and
the same refusals as the header's switch (R-AVAIL-2, R-MISS-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from availability import services
from availability.models import OutOfOffice, Schedule
from eligibility.services import refresh_agent
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from referrals.models import Offer, Outcome
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
    assert now == {
        "on": True, "reason": None, "stop_at": "2026-11-24T00:00:00Z", "next_at": None, "waiting_for_answer": 0,
    }  # 17:00 Phoenix  # fmt: skip

    assert put(headers, {"on": False}) == (
        200,
        {
            "on": False, "reason": "switched_off_today", "stop_at": None, "next_at": "2026-11-24T15:00:00Z",
            "waiting_for_answer": 0,
        },
    )  # tomorrow 08:00 in Phoenix  # fmt: skip
    assert put(headers, {"on": True, "stop_at": "15:30"}) == (
        200,
        {"on": True, "reason": None, "stop_at": "2026-11-23T22:30:00Z", "next_at": None, "waiting_for_answer": 0},
    )
    schedule = Schedule.objects.get(agent=agent)
    assert (schedule.override_on, schedule.override_until.isoformat()) == (True, "2026-11-23T22:30:00+00:00")


def test_switching_off_with_a_referral_waiting_tells_the_app_it_is_still_to_answer(ana):
    """The app's switch, like the portal's: off stops new referrals, not the one offered a
    moment ago, which unanswered would count as missed."""
    agent, headers, clock = ana
    # In Spanish, which Ana does not speak: the safety net emails her, and a notice never counts as missed.
    notice = Offer.objects.get(referral=request_referral(WEEKDAY_MORNING), agent=agent, kind="safety_net")
    assert notice.outcome == Outcome.PENDING and put(headers, {"on": True})[1]["waiting_for_answer"] == 0
    referral = request_referral(WEEKDAY_MORNING, language="en")
    offer = Offer.objects.get(referral=referral, agent=agent, outcome=Outcome.PENDING, kind="direct")
    status, answer = put(headers, {"on": False})
    assert status == 200 and answer["on"] is False and answer["waiting_for_answer"] == 1
    assert Offer.objects.get(pk=offer.pk).outcome == Outcome.PENDING
    clock.move_to(offer.expires_at)  # its 15 minutes over: no longer waiting, swept or not
    assert Client().get(URL, headers=headers).json()["waiting_for_answer"] == 0


def test_a_suspended_agent_is_told_referrals_do_not_reach_them_whatever_the_switch(ana):
    agent, headers, _clock = ana
    agent.suspended_at = WEEKDAY_MORNING
    agent.save(update_fields=["suspended_at"])
    refresh_agent(agent, WEEKDAY_MORNING)
    off = {"on": False, "reason": "not_eligible", "stop_at": None, "next_at": None, "waiting_for_answer": 0}
    assert Client().get(URL, headers=headers).json() == off  # "on": true by her hours, before
    assert put(headers, {"on": True}) == (200, off)


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
        put(headers, {"on": True, "stopAt": "16:00"}),  # misspelt: not switched on until 17:00
    ]
    assert refusals == [
        (400, {"errors": {"stop_at": ["Choose a time later today."]}}),
        (400, {"errors": {"stop_at": ["Enter a time as HH:MM, such as 17:30."]}}),
        (400, {"errors": {"stop_at": ["Enter a time as HH:MM, such as 17:30."]}}),
        (400, {"errors": {"stop_at": ["A stop time goes only with switching on."]}}),
        (400, {"errors": {"on": ["Enter true or false."]}}),
        (400, {"errors": {"on": ["This field is required."]}}),
        (400, {"errors": {"stopAt": ["This request has no such field."]}}),
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


AWAY = URL + "/out-of-office"


def post_away(headers: dict[str, str], body: object) -> tuple[int, object]:
    answer = Client().post(AWAY, body, content_type="application/json", headers=headers)
    return answer.status_code, answer.json()


def test_out_of_office_from_the_app_stops_referrals_and_switching_it_off_brings_them_back(ana):
    agent, headers, clock = ana
    # Away from Wednesday 08:00 to Friday 17:00 in Phoenix, then from next Monday with no end.
    status, trip = post_away(
        headers, {"starts_at": "2026-11-25T08:00:00-07:00", "ends_at": "2026-11-27T17:00:00-07:00"}
    )
    assert (status, trip["starts_at"], trip["ends_at"]) == (201, "2026-11-25T15:00:00Z", "2026-11-28T00:00:00Z")
    status, leave = post_away(headers, {"starts_at": "2026-11-30T15:00:00Z", "ends_at": None})
    assert (status, leave["ends_at"]) == (201, None)
    listed = Client().get(AWAY, headers=headers).json()
    assert [period["id"] for period in listed] == [trip["id"], leave["id"]]

    clock.move_to("2026-11-25T17:00:00Z")  # Wednesday 10:00 in Phoenix: away
    now = Client().get(URL, headers=headers).json()
    # Back Friday 17:00, off for the weekend, away again from Monday 08:00 with no end: no
    # referrals within the 8 days the preview looks at.
    assert (now["on"], now["reason"], now["next_at"]) == (False, "out_of_office", None)
    # Back early: the current period ends now; the one to come is removed.
    assert Client().delete(f"{AWAY}/{trip['id']}", headers=headers).status_code == 204
    assert Client().get(URL, headers=headers).json()["on"] is True
    assert Client().delete(f"{AWAY}/{leave['id']}", headers=headers).status_code == 204
    assert Client().get(AWAY, headers=headers).json() == []
    assert OutOfOffice.objects.filter(agent=agent).count() == 1  # the trip, ended, stays as it happened
    assert Client().delete(f"{AWAY}/{trip['id']}", headers=headers).status_code == 404  # already over


def test_any_offset_iso_8601_allows_is_the_same_instant_on_every_database(ana):
    # PostgreSQL keeps no offset beyond ±15:59; the API stores the instant, not the offset.
    _agent, headers, _clock = ana
    status, away = post_away(
        headers, {"starts_at": "2026-11-26T08:00:00+23:07", "ends_at": "4161-11-23T19:31:44+23:07"}
    )
    assert (status, away["starts_at"], away["ends_at"]) == (201, "2026-11-25T08:53:00Z", "4161-11-22T20:24:44Z")
    assert Client().get(AWAY, headers=headers).json() == [away]


def test_a_bad_out_of_office_names_what_is_wrong_and_stores_nothing(ana):
    agent, headers, _clock = ana
    someone = make_agent("Diego")
    theirs = OutOfOffice.objects.create(agent=someone, starts_at=WEEKDAY_MORNING, ends_at=None)
    offset = "Enter a date and time with its offset, as 2026-12-24T08:00:00-07:00."
    assert [
        post_away(headers, {"starts_at": "2026-11-25T08:00:00", "ends_at": None}),
        post_away(headers, {"starts_at": 1764000000, "ends_at": None}),
        post_away(headers, {"starts_at": "next week", "ends_at": None}),
        post_away(headers, {"starts_at": "2026-11-25T08:00:00-07:00", "ends_at": "2026-11-25T07:00:00-07:00"}),
        post_away(headers, {"starts_at": "2026-11-20T08:00:00-07:00", "ends_at": "2026-11-21T08:00:00-07:00"}),
        post_away(headers, {"ends_at": None}),
    ] == [
        (400, {"errors": {"starts_at": [offset]}}),
        (400, {"errors": {"starts_at": [offset]}}),
        (400, {"errors": {"starts_at": [offset]}}),
        (400, {"errors": {"ends_at": ["You must be back after you leave."]}}),
        (400, {"errors": {"ends_at": ["This period is already over."]}}),
        (400, {"errors": {"starts_at": ["This field is required."]}}),
    ]
    assert post_away(headers, {"starts_at": "0001-01-01T00:00:00+05:00", "ends_at": None}) == (
        400, {"errors": {"starts_at": ["Enter a date between the years 1 and 9999."]}},
    )  # fmt: skip
    assert not OutOfOffice.objects.filter(agent=agent).exists()
    assert Client().delete(f"{AWAY}/{theirs.pk}", headers=headers).status_code == 404  # not hers
    theirs.refresh_from_db()
    assert theirs.ends_at is None
    spanish = Client().post(
        AWAY, {"starts_at": "2026-11-25T08:00:00", "ends_at": None}, content_type="application/json",
        headers={**headers, "Accept-Language": "es"},
    )  # fmt: skip
    assert spanish.json()["errors"]["starts_at"][0].startswith("Escriba la fecha y la hora con su desfase")
