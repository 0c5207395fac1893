"""The operator console (R-OPS): live queue and service levels, for staff only, with no
consumer's personal data (R-SEC-1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from agents.models import Agent
from eligibility.models import Coverage, FfmRegistration, ServedState
from hod.testing import WEEKDAY_MORNING, consumer, make_agent, request_referral, sign_in_operator, signed_in
from referrals.models import Offer, Outcome, Referral
from routing import actions

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING  # 12:00 Eastern Time
CARMEN = consumer()


def pending(referral: Referral) -> Offer:
    return Offer.objects.get(referral=referral, outcome=Outcome.PENDING, kind="direct")


@pytest.fixture
def morning() -> None:
    """Four consumers within three minutes; seen 25 minutes after the first one asked."""
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    quick = request_referral(NOW)
    assert actions.accept(pending(quick).pk, ana, NOW + timedelta(minutes=5)) == "accepted"
    missed = request_referral(NOW + timedelta(minutes=1), phone="602-555-0101")
    nobody = request_referral(NOW + timedelta(minutes=2), phone="602-555-0102", language="vi")
    waiting = request_referral(NOW + timedelta(minutes=3), phone="602-555-0103")
    assert pending(waiting).agent_id == ana.pk and nobody.status == "safety_net"
    assert actions.expire_due_offers(NOW + timedelta(minutes=16)) == 1  # Ana misses the second
    assert actions.accept(pending(missed).pk, diego, NOW + timedelta(minutes=21)) == "accepted"


def page(client: Client, query: str = "", **headers: str):
    with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
        return client.get(f"/admin/operations/{query}", **headers)


def cells(html: str, table: str) -> str:
    """The table's text, tags dropped, one space between cells: what an operator reads."""
    import re

    start = html.index(f'<table id="{table}">')
    inner = html[start : html.index("</table>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", inner).split())


def test_the_live_queue_shows_who_waits_and_for_how_long(operator, morning):
    html = page(operator).content.decode()
    queue = cells(html, "queue")
    assert "Consumers waiting on an agent's offer 1 longest waiting 22 min" in queue
    assert "Offers past their deadline, not yet moved on 1 The dispatcher is behind" in queue
    assert "Consumers in the safety net 1 longest there 23 min" in queue
    assert "Agents taking part 2 1 paused after a miss, 0 suspended" in queue
    assert "AZ 1 1" in cells(html, "by-state")
    safety_net = cells(html, "safety-net")
    reference = Referral.objects.get(language="vi").reference
    assert f"{reference} Phoenix, Maricopa, AZ Vietnamese 23 min 2 0 71 h 37 min" in safety_net
    assert safety_net.endswith("71 h 37 min")  # 72 hours after it reached the safety net
    # Its reference opens the referral in the admin, where viewing the consumer is audited.
    nobody = Referral.objects.get(language="vi")
    assert f'<a href="/admin/referrals/referral/{nobody.pk}/change/"' in html


def test_the_safety_net_list_shows_how_often_the_consumer_asked_again(operator, morning):
    for minutes in (10, 20):
        request_referral(NOW + timedelta(minutes=minutes), phone="602-555-0102", language="vi")
    html = page(operator).content.decode()
    reference = Referral.objects.get(language="vi").reference
    assert "Agents emailed Asked again Closed as unserved in" in cells(html, "safety-net")
    assert f"{reference} Phoenix, Maricopa, AZ Vietnamese 23 min 2 2 71 h 37 min" in cells(html, "safety-net")
    assert "Carmen" not in html  # still no consumer's name


def test_service_levels_follow_the_days_referrals(operator, morning):
    levels = cells(page(operator).content.decode(), "levels")
    for line in (
        "Referrals received 4",
        "Accepted within 15 minutes of the request 1 25.0 %",
        "Accepted 2",
        "Time to accept, median 12.5 min",
        "Time to accept, 90th percentile 18.5 min",
        "Offers missed 1",
        "Reached the safety net 1 25.0 %",
        "Closed as unserved 0 0.0 %",
        "Still open 2",
    ):
        assert line in levels
    # The day before holds nothing.
    empty = cells(page(operator, "?date_from=2026-11-22&date_to=2026-11-22").content.decode(), "levels")
    assert "Referrals received 0" in empty and "Time to accept, median —" in empty


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?date_from=2026-11-23&date_to=2026-11-01", "date_to", "The end date is before the start date."),
        ("?date_from=yesterday&date_to=2026-11-23", "date_from", "Enter a valid date."),
        ("?date_from=2025-01-01&date_to=2026-11-23", "date_to", "Choose a period of at most 366 days."),
        ("?date_from=2026-11-23", "date_to", "This field is required."),
        # 9999-12-31 has no next day for the period to end at: a 500 before.
        (
            "?date_from=2026-11-01&date_to=9999-12-31",
            "date_to",
            "Ensure this value is less than or equal to 2099-12-31.",
        ),
    ],
)
def test_a_bad_period_is_named_and_the_queue_still_shows(operator, query, field, message):
    response = page(operator, query)
    assert response.status_code == 400
    assert response.context["period"].errors == {field: [message]}
    assert 'id="queue"' in response.content.decode() and 'id="levels"' not in response.content.decode()


def test_no_consumer_data_on_the_console(operator, morning):
    html = page(operator).content.decode()
    for personal in (CARMEN["first_name"], CARMEN["last_name"], CARMEN["email"], "602-555-01", "6025550"):
        assert str(personal) not in html


def test_only_staff_see_the_console(client, morning):
    assert page(client).status_code == 302  # to the admin's sign-in
    _agent, agent_client = signed_in("Bo")
    response = page(agent_client)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_admin_links_to_it_and_it_speaks_spanish(operator, morning):
    assert 'href="/admin/operations/"' in operator.get("/admin/").content.decode()
    html = page(operator, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Cola en vivo" in html and "Niveles de servicio" in html and "Operadores de Help On Demand" in html


# --- Plan-year readiness ---------------------------------------------------------------------


def console(client: Client) -> str:
    return client.get("/admin/operations/").content.decode()


def test_the_console_says_what_the_plan_year_in_force_is_missing(operator: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        make_agent("Ana")  # registered, trained and covering Arizona
        assert 'id="plan-year"' not in console(operator)
        Coverage.objects.all().delete()
        assert "No agent covers any state in plan year 2027" in console(operator)
        FfmRegistration.objects.all().delete()
        ServedState.objects.filter(plan_year=2027).delete()
        text = console(operator)
    assert "No HealthCare.gov states are loaded for plan year 2027: intake turns every consumer away." in text
    assert "The FFM registration list for plan year 2027 is not imported: no agent can take part." in text


def test_weeks_before_a_plan_year_starts_the_console_says_what_it_still_needs(client: Client, settings) -> None:
    settings.HOD_PLAN_YEAR = 0  # the plan year follows the calendar (tests pin it to 2027)
    make_agent("Ana")  # registered and trained for 2027
    operator = client
    with time_machine.travel(datetime(2027, 10, 1, 16, tzinfo=UTC), tick=False):
        sign_in_operator(operator)
        text = console(operator)
        assert text.count('<li class="error">') == 3
        for missing in ("no HealthCare.gov states are loaded for it", "its FFM registration list is not imported",
                        "no agent has completed its Help On Demand course"):  # fmt: skip
            assert f"Plan year 2028 starts on Nov. 1, 2027 and {missing}" in text, missing
        FfmRegistration.objects.create(npn="99", plan_year=2028, individual_completed_on=date(2027, 9, 1))
        ServedState.objects.create(plan_year=2028, state="AZ", model="FFM")
        Agent.objects.update(hod_training_plan_year=2028)
        assert 'id="plan-year"' not in console(operator)
    with time_machine.travel(datetime(2027, 9, 1, 16, tzinfo=UTC), tick=False):
        operator.force_login(User.objects.get(username="op"))
        ServedState.objects.filter(plan_year=2028).delete()  # two months ahead: not yet a worry
        assert 'id="plan-year"' not in console(operator)


def test_the_console_says_how_long_consumer_data_is_kept(operator, settings):
    def retention(html: str) -> str:
        start = html.index('<p id="retention">')
        return html[start : html.index("</p>", start)]

    kept = retention(page(operator).content.decode())
    assert "kept with no time limit (HOD_CONSUMER_DATA_DAYS sets one)" in kept
    settings.HOD_CONSUMER_DATA_DAYS = 90
    erased = retention(page(operator).content.decode())
    assert "erased 90 days after their request" in erased
    assert 'href="/admin/referrals/event/?kind=erased"' in erased
    spanish = retention(page(operator, HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert "se borran 90 días después de su solicitud" in spanish
