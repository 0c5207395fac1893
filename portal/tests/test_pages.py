"""The agent portal's pages, through the real views (R-PORTAL, R-AVAIL, R-MISS, R-STATUS).

Each test drives the pages as the agent's browser does — plain posts, or the same posts
asking for JSON as the page's script does — at a controlled clock.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agents.models import Agent
from availability import services as availability
from availability.models import OutOfOffice
from hod.testing import PASSWORD, WEEKDAY_MORNING, make_agent, request_referral, sign_in_operator, signed_in
from referrals.models import ContactAttempt, Offer, Outcome, Referral, Status
from referrals.tests.test_agent_api import with_token
from routing import actions

pytestmark = pytest.mark.django_db
OFFICE_HOURS = [{"on": d < 5, "start": "08:00", "end": "17:00"} for d in range(7)]
CONSUMER = ("Carmen", "Ruiz", "555-0134", "carmen@example.com")
JSON = {"HTTP_ACCEPT": "application/json"}


def shows_consumer(html: str) -> bool:
    return any(piece in html for piece in CONSUMER)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(WEEKDAY_MORNING, tick=False) as traveller:
        yield traveller


def offered_to(agent: Agent) -> Offer:
    referral = request_referral(WEEKDAY_MORNING)
    offer = Offer.objects.get(referral=referral, outcome=Outcome.PENDING)
    assert offer.agent_id == agent.pk
    return offer


# --- Manage Referrals --------------------------------------------------------------------


def test_a_pending_referral_shows_where_and_the_countdown_but_nobody(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    page = client.get("/referrals/").content.decode()
    assert "Pending Referral" in page and "Phoenix, Maricopa, AZ" in page
    assert 'data-expires="2026-11-23T10:15:00-07:00"' in page  # the live countdown's deadline, Phoenix time
    assert f'action="/referrals/offers/{offer.pk}/accept/"' in page and f"/referrals/offers/{offer.pk}/reject/" in page
    assert not shows_consumer(page)
    assert not shows_consumer(client.get("/referrals/rows/").content.decode())


def test_accepting_without_a_reload_reveals_the_consumer_to_the_winner_only(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    answer = client.post(f"/referrals/offers/{offer.pk}/accept/", **JSON)
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True and "Contact the consumer now" in body["message"]
    assert "Carmen Ruiz" in body["row"] and "(602) 555-0134" in body["row"] and 'href="tel:+16025550134"' in body["row"]
    assert 'name="status"' in body["row"]  # the status selector replaces Accept / Reject
    assert "Carmen Ruiz" in client.get("/referrals/").content.decode()
    # Someone else's page, rows and offer link never show her.
    bo, other = signed_in("Bo", languages=["es"])
    assert not shows_consumer(other.get("/referrals/").content.decode())
    assert other.get(f"/referrals/offers/{offer.pk}/").status_code == 404
    assert other.post(f"/referrals/offers/{offer.pk}/accept/", **JSON).status_code == 404


def test_rejecting_moves_the_consumer_on_and_shows_nothing_of_them(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    answer = client.post(f"/referrals/offers/{offer.pk}/reject/", **JSON).json()
    assert answer["ok"] is True and "You are not penalized" in answer["message"]
    assert "Rejected" in answer["row"] and not shows_consumer(answer["row"])
    assert Referral.objects.get(pk=offer.referral_id).status == Status.SAFETY_NET  # nobody else nearby


def test_too_late_is_said_plainly_and_reveals_nothing(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    clock.shift(timedelta(minutes=15))
    answer = client.post(f"/referrals/offers/{offer.pk}/accept/", **JSON)
    assert answer.status_code == 409
    assert "The 15 minutes are over" in answer.json()["message"] and not shows_consumer(answer.json()["row"])
    # Without the script: the same answer as a message on the list.
    page = client.post(f"/referrals/offers/{offer.pk}/accept/", follow=True).content.decode()
    assert "The 15 minutes are over: this referral went to the next available agent." in page


def test_a_safety_net_loser_sees_taken_and_no_data(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=[{"on": False, "start": "08:00", "end": "17:00"}] * 7)
    bo, other = signed_in("Bo", languages=["es", "en"], weekly=[{"on": False, "start": "08:00", "end": "17:00"}] * 7)
    referral = request_referral(WEEKDAY_MORNING)
    assert Referral.objects.get(pk=referral.pk).status == Status.SAFETY_NET
    ana_offer = Offer.objects.get(referral=referral, agent=ana)
    bo_offer = Offer.objects.get(referral=referral, agent=bo)
    assert "First come, first served" in client.get("/referrals/").content.decode()
    assert client.post(f"/referrals/offers/{ana_offer.pk}/accept/", **JSON).status_code == 200
    late = other.post(f"/referrals/offers/{bo_offer.pk}/accept/", **JSON)
    assert late.status_code == 409 and "Another agent accepted this referral first." in late.json()["message"]
    assert not shows_consumer(other.get("/referrals/").content.decode())


def test_the_missed_banner_counts_the_last_seven_days_and_missed_rows_show_nothing(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    assert "Alert!" not in client.get("/referrals/").content.decode()  # no banner when N = 0
    offered_to(ana)
    clock.shift(timedelta(minutes=15))
    actions.expire_due_offers(datetime.now(tz=WEEKDAY_MORNING.tzinfo))
    page = client.get("/referrals/").content.decode()
    assert (
        "Alert! You have missed 1 referral(s) in the last seven days. As a reminder, you must accept a referral "
        "within 15 minutes of receiving your notification. Missed referrals are sent to the next available Help On "
        "Demand agent or broker."
    ) in page
    assert "Missed Referral" in page and "Expired" in page and not shows_consumer(page)
    clock.shift(timedelta(days=7))
    assert "Alert!" not in client.get("/referrals/").content.decode()


def test_after_a_miss_every_page_says_paused_and_one_click_resumes(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offered_to(ana)
    clock.shift(timedelta(minutes=15))
    actions.expire_due_offers(datetime.now(tz=WEEKDAY_MORNING.tzinfo))
    for url in ("/referrals/", "/availability/", "/profile/"):
        page = client.get(url).content.decode()
        assert "Your referrals are paused" in page and 'action="/availability/resume/"' in page, url
    assert 'aria-checked="false"' in page and "<strong>Off</strong>" in page
    assert "resume them to receive referrals again" in client.get("/availability/").content.decode()
    answer = client.post("/availability/resume/", {"next": "/profile/"}, follow=True)
    assert answer.redirect_chain[-1][0] == "/profile/"
    page = answer.content.decode()
    assert "Welcome back: referrals reach you again." in page and "Your referrals are paused" not in page
    assert 'aria-checked="true"' in page and "<strong>On</strong>" in page
    ana.refresh_from_db()
    assert ana.paused_at is None
    # The next consumer comes to Ana again.
    assert Offer.objects.get(referral=request_referral(datetime.now(tz=WEEKDAY_MORNING.tzinfo), phone="602-555-0177"),
                             outcome=Outcome.PENDING).agent_id == ana.pk  # fmt: skip


def status_line(client: Client) -> str:
    """The line under the agent's name on Manage Referrals, with its class."""
    page = client.get("/referrals/").content.decode()
    start = page.index('id="eligibility"')
    return page[page.rindex("<p", 0, start) : page.index("</p>", start)]


def test_manage_referrals_says_whether_referrals_reach_the_agent_now_not_only_whether_they_may(
    clock: Any,
) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    line = status_line(client)
    assert 'class="status-ok"' in line and "You are receiving referrals now, until 5:00 PM." in line
    client.post("/availability/today/", {"on": "off"}, **JSON)
    line = status_line(client)
    assert (
        'class="status-off"' in line and "You will next receive referrals on Tuesday, November 24 at 8:00 AM." in line
    )
    client.post("/availability/today/", {"on": "on"}, **JSON)
    offered_to(ana)
    clock.shift(timedelta(minutes=15))
    actions.expire_due_offers(datetime.now(tz=WEEKDAY_MORNING.tzinfo))  # a miss: paused
    line = status_line(client)
    assert 'class="status-off"' in line and "receiving referrals now" not in line
    assert "Your referrals are paused after a missed referral: resume them to receive referrals again." in line


def test_manage_referrals_and_its_header_switch_look_up_todays_availability_once(clock: Any) -> None:
    _ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/referrals/").content.decode()
    assert "You are receiving referrals now, until 5:00 PM." in page and "Today's Availability:" in page
    schedule_reads = [q["sql"] for q in queries if 'FROM "availability_schedule"' in q["sql"]]
    assert len(schedule_reads) == 1, schedule_reads
    with CaptureQueriesContext(connection) as queries:  # Availability Settings' preview too
        page = client.get("/availability/").content.decode()
    assert "You are receiving referrals now, until 5:00 PM." in page
    out_of_office_reads = [q["sql"] for q in queries if 'FROM "availability_outofoffice"' in q["sql"]]
    assert len(out_of_office_reads) == 2, out_of_office_reads  # the preview's, and the page's list


def test_status_needs_its_subcategory_and_only_the_winner_may_set_it(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    client.post(f"/referrals/offers/{offer.pk}/accept/")
    public_id = Referral.objects.get(pk=offer.referral_id).public_id
    url = f"/referrals/{public_id}/status/"
    refused = client.post(url, {"status": "completed"}, **JSON)
    assert refused.status_code == 409 and "Choose how the referral was completed." in refused.json()["message"]
    assert Referral.objects.get(pk=offer.referral_id).status == Status.ACCEPTED
    saved = client.post(url, {"status": "completed", "completion": "medicaid"}, **JSON).json()
    assert saved["message"] == "Status saved: Referral Completed."
    referral = Referral.objects.get(pk=offer.referral_id)
    assert (referral.status, referral.completion) == (Status.COMPLETED, "medicaid")
    _bo, other = signed_in("Bo")
    assert other.post(url, {"status": "in_progress"}).status_code == 404


def accepted_by(client: Client, offer: Offer) -> str:
    assert client.post(f"/referrals/offers/{offer.pk}/accept/", **JSON).json()["ok"]
    return str(Referral.objects.get(pk=offer.referral_id).public_id)


def test_contact_attempts_are_logged_and_three_misses_suggest_not_a_good_referral(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    url = f"/referrals/{accepted_by(client, offer)}/attempts/"
    refused = client.post(url, {"method": "pigeon", "result": "no_answer"}, **JSON)
    assert refused.status_code == 409 and refused.json()["message"].startswith("How: Select a valid choice.")
    assert not ContactAttempt.objects.exists()

    first = client.post(url, {"method": "phone", "result": "no_answer"}, **JSON).json()
    assert first["message"] == "Contact attempt logged."
    assert "1 contact attempt<" in first["row"] and "Phone call · No answer" in first["row"]
    assert Referral.objects.get(pk=offer.referral_id).status == Status.IN_PROGRESS  # contact attempted, waiting
    clock.shift(timedelta(minutes=20))
    client.post(url, {"method": "text", "result": "left_message"}, **JSON)
    assert "consider Not a Good Referral" not in client.get("/referrals/").content.decode()
    clock.shift(timedelta(hours=2))
    row = client.post(url, {"method": "phone", "result": "no_answer"}, **JSON).json()["row"]
    # Each attempt is dated: a referral is worked over days.
    assert "3 contact attempts" in row and "11/23/2026 12:20 PM</time> · Phone call · No answer" in row
    assert "Three attempts without reaching the consumer: consider Not a Good Referral" in row
    assert '<option value="not_good" selected>' in row and '<option value="unreachable" selected>' in row

    # Another agent cannot add to (or read) her log; a closed referral takes no more attempts.
    _bo, other = signed_in("Bo")
    assert other.post(url, {"method": "phone", "result": "no_answer"}).status_code == 404
    client.post(f"/referrals/{Referral.objects.get(pk=offer.referral_id).public_id}/status/",
                {"status": "not_good", "reason": "unreachable"})  # fmt: skip
    closed = client.post(url, {"method": "phone", "result": "reached"}, **JSON)
    assert closed.status_code == 409 and "This referral is closed" in closed.json()["message"]
    assert ContactAttempt.objects.count() == 3


def test_reminders_at_15_and_30_minutes_until_a_contact_attempt_is_logged(clock: Any) -> None:
    from notifications.models import Message
    from notifications.rendering import render
    from routing.dispatcher import Dispatcher

    ana, client = signed_in("Ana", languages=["es", "en"])
    first, second = offered_to(ana), None
    accepted_by(client, first)
    clock.shift(timedelta(minutes=1))
    second = Offer.objects.get(referral=request_referral(datetime.now(tz=WEEKDAY_MORNING.tzinfo), phone="602-555-0177"),
                               outcome=Outcome.PENDING)  # fmt: skip
    assert second.agent_id == ana.pk
    second_id = accepted_by(client, second)
    reminders = Message.objects.filter(agent=ana, template="contact_reminder")

    def run_at(minutes: float) -> None:
        Dispatcher(clock=lambda: WEEKDAY_MORNING + timedelta(minutes=minutes)).run_once()

    run_at(14.9)
    assert not reminders.exists()
    run_at(15)
    assert sorted(m.channel for m in reminders) == ["email", "push", "sms"]  # her contact method: all three
    email = render(reminders.get(channel="email"), ana.time_zone)
    assert "You accepted a referral from Phoenix, Maricopa, AZ 15 minutes ago" in email.body
    assert f"/referrals/offers/{first.pk}/" in email.body and not shows_consumer(email.body)
    # She logs an attempt on the second one: it gets no reminder; the first gets its 30-minute one, once.
    client.post(f"/referrals/{second_id}/attempts/", {"method": "phone", "result": "no_answer"})
    run_at(31)
    run_at(45)
    assert sorted(m.data["minutes"] for m in reminders.filter(channel="email")) == [15, 30]
    assert all(m.data["path"] == f"/referrals/offers/{first.pk}/" for m in reminders)


def test_search_by_status_and_name_never_probes_other_agents_consumers(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)

    def search(**fields: str) -> str:
        return client.post("/referrals/", fields, follow=True).content.decode()

    assert "Pending Referral" in search(status="pending")
    assert "No referrals match this search." in search(status="missed")
    assert "No referrals match this search." in search(first_name="Carmen")
    client.post(f"/referrals/offers/{offer.pk}/accept/")
    assert "Carmen Ruiz" in search(first_name="carm", last_name="RUI")
    assert "Carmen Ruiz" in client.get("/referrals/rows/").content.decode()  # the refresh keeps the search
    bad = client.post("/referrals/", {"date_from": "2026-11-30", "date_to": "2026-11-01", "time_zone": "Mars/Base"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "The To date is before the From date." in page and "Select a valid choice." in page
    assert "This search was not run: the list below is unchanged." in page
    assert 'value="RUI"' in client.get("/referrals/").content.decode()  # the refused search changed nothing
    beyond = client.post("/referrals/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert beyond.status_code == 400  # the day after 9999-12-31 was a 500
    assert "Ensure this value is greater than or equal to 2000-01-01." in beyond.content.decode()
    assert "Ensure this value is less than or equal to 2099-12-31." in beyond.content.decode()


def test_a_refused_search_leaves_the_list_as_it_was(clock: Any) -> None:
    """The page of a refused search lists what the kept search lists, as its own refresh
    will a moment later, not every referral."""
    ana, client = signed_in("Ana", languages=["es", "en"])
    client.post(f"/referrals/offers/{offered_to(ana).pk}/accept/")
    offered_to(ana)  # a second consumer, pending
    client.post("/referrals/", {"status": "pending"})
    assert client.get("/referrals/").content.decode().count("Pending Referral") == 1
    bad = client.post("/referrals/", {"status": "pending", "date_from": "2026-11-30", "date_to": "2026-11-01"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "This search was not run: the list below is unchanged." in page
    assert page.count("Pending Referral") == 1 and "Carmen Ruiz" not in page
    assert "Carmen Ruiz" not in client.get("/referrals/rows/").content.decode()


def test_a_search_for_a_consumer_by_name_never_enters_an_address(clock: Any) -> None:
    """Names typed into the search are posted and kept in the session: the browser's
    history (a shared computer's next user) and servers' logs never see them; signing out
    forgets the search."""
    ana, client = signed_in("Ana", languages=["es", "en"])
    client.post(f"/referrals/offers/{offered_to(ana).pk}/accept/")
    answer = client.post("/referrals/", {"first_name": "Carmen", "last_name": "Ruiz"})
    assert answer.status_code == 302 and answer["Location"] == "/referrals/"
    page = client.get("/referrals/").content.decode()
    assert 'data-rows-url="/referrals/rows/"' in page and 'value="Carmen"' in page
    assert page.count('autocomplete="off"') == 2  # nor in the browser's form history
    client.post("/accounts/logout/")
    client.force_login(User.objects.get(username="ana"))
    assert 'value="Carmen"' not in client.get("/referrals/").content.decode()


def test_dates_show_in_the_agents_time_zone(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])  # Phoenix: UTC−7, no daylight saving
    offered_to(ana)
    assert "11/23/2026 10:00 AM" in client.get("/referrals/").content.decode()
    assert (
        "11/23/2026 12:00 PM"
        in client.post("/referrals/", {"time_zone": "America/New_York"}, follow=True).content.decode()
    )


def test_a_busy_agents_list_comes_fifty_a_page_newest_first_and_every_one_is_reachable(clock: Any) -> None:
    """Open enrollment: 120 referrals. The newest 50 on the first page, the oldest (Carmen,
    accepted) on the last, each page a link away; the list's self-refresh and its forms stay
    on the page the agent is reading."""
    ana, client = signed_in("Ana", languages=["es", "en"])
    carmen = offered_to(ana)
    assert actions.accept(carmen.pk, ana, WEEKDAY_MORNING + timedelta(minutes=2)) == "accepted"
    first = WEEKDAY_MORNING + timedelta(hours=1)
    kept = {f.attname: getattr(carmen.referral, f.attname) for f in Referral._meta.concrete_fields if not f.primary_key}
    others = Referral.objects.bulk_create(
        [
            Referral(**{**kept, "public_id": uuid.uuid4(), "first_name": "Luis", "status": Status.UNSERVED,
                        "fingerprint": None, "idempotency_key": None, "accepted_by_id": None})
            for _ in range(119)
        ]
    )  # fmt: skip
    Offer.objects.bulk_create(
        Offer(
            referral=referral,
            agent=ana,
            offered_at=first + timedelta(minutes=i),
            rank=1,
            expires_at=first + timedelta(minutes=i + 15),
            outcome=Outcome.REJECTED,
        )  # fmt: skip
        for i, referral in enumerate(others)
    )
    clock.move_to(WEEKDAY_MORNING + timedelta(hours=3))

    def assigned(html: str) -> list[str]:
        return re.findall(r'<time datetime="([^"]+)"', html)

    page = client.get("/referrals/").content.decode()
    times = assigned(page)
    assert len(times) == 50 and times[0] == "2026-11-23T12:58:00-07:00" and times[-1] == "2026-11-23T12:09:00-07:00"
    assert "Referrals 1–50 of 120, newest first." in page
    assert 'href="?page=2" rel="next">Older</a>' in page and 'rel="prev"' not in page
    assert 'data-rows-url="/referrals/rows/"' in page
    assert not shows_consumer(page) and "Luis" not in page

    second = client.get("/referrals/?page=2").content.decode()
    assert assigned(second)[0] == "2026-11-23T12:08:00-07:00" and "Referrals 51–100 of 120, newest first." in second
    assert 'data-rows-url="/referrals/rows/?page=2"' in second
    assert 'aria-current="page">2</a>' in second and not shows_consumer(second)
    rows = client.get("/referrals/rows/?page=2").content.decode()
    assert assigned(rows) == assigned(second)

    last = client.get("/referrals/?page=3").content.decode()
    assert len(assigned(last)) == 20 and assigned(last)[-1] == "2026-11-23T10:00:00-07:00"
    assert "Referrals 101–120 of 120, newest first." in last and "Carmen Ruiz" in last and "Luis" not in last
    assert 'rel="next"' not in last and 'href="?page=2" rel="prev">Newer</a>' in last
    refreshed = client.get("/referrals/rows/?page=3").content.decode()
    assert 'name="next" value="/referrals/?page=3"' in refreshed  # Carmen's status form comes back here
    # A page number the links never give: not a number is the first page, past the end the last.
    assert assigned(client.get("/referrals/?page=abc").content.decode()) == times
    assert assigned(client.get("/referrals/?page=99").content.decode()) == assigned(last)

    # The same list through the API, a page at a time.
    token = with_token(ana)
    api = [
        Client().get("/api/v1/agent/referrals", {"limit": 50, "offset": offset}, headers=token).json()
        for offset in (0, 50, 100)
    ]
    assert [len(part) for part in api] == [50, 50, 20]
    listed = [offer for part in api for offer in part]
    assert [offer["assigned_at"][11:16] for offer in (listed[0], listed[50], listed[-1])] == ["19:58", "19:08", "17:00"]
    assert [offer["consumer"] is not None for offer in listed] == [False] * 119 + [True]
    assert listed[-1]["consumer"]["first_name"] == "Carmen"


def test_the_notification_link_opens_that_referral(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    offer = offered_to(ana)
    page = client.get(f"/referrals/offers/{offer.pk}/")
    assert page.status_code == 200 and "Phoenix, Maricopa, AZ" in page.content.decode()
    anonymous = Client().get(f"/referrals/offers/{offer.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


# --- Today's Availability ------------------------------------------------------------------


def test_switching_off_stops_referrals_for_the_rest_of_today(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    assert 'aria-checked="true"' in client.get("/referrals/").content.decode()
    answer = client.post("/availability/today/", {"on": "off"}, **JSON).json()
    assert answer == {
        "ok": True, "on": False, "stop_at": "", "message": answer["message"], "warning": "",
        "receiving": "You will next receive referrals on Tuesday, November 24 at 8:00 AM.", "eligible": True,
    }  # fmt: skip
    assert "no referrals for the rest of today" in answer["message"]
    referral = request_referral(WEEKDAY_MORNING)
    assert not Offer.objects.filter(referral=referral, agent=ana, kind="direct").exists()
    clock.move_to(WEEKDAY_MORNING + timedelta(days=1))  # a new day: the schedule rules again
    assert availability.today(ana, WEEKDAY_MORNING + timedelta(days=1)).on


def test_switching_off_with_a_referral_still_waiting_says_it_is_still_to_answer(clock: Any) -> None:
    """Switching off stops new referrals, not the one offered a minute ago: unanswered, it
    would count as missed and pause her, so the answer says so (it said nothing before)."""
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    offer = offered_to(ana)
    answer = client.post("/availability/today/", {"on": "off"}, **JSON).json()
    assert answer["message"] == (
        "Today's Availability is off: no referrals for the rest of today. A referral offered to you before still "
        "waits for your answer: accept or reject it, or it will count as missed."
    )
    assert answer["warning"] == answer["message"].split("today. ")[1]  # shown on its own by the page's script
    assert Offer.objects.get(pk=offer.pk).outcome == Outcome.PENDING  # still hers to answer
    client.cookies["django_language"] = "es"
    spanish = client.post("/availability/today/", {"on": "off"}, **JSON).json()
    assert "Una referencia que se le ofreció antes todavía espera su respuesta" in spanish["message"]
    client.cookies["django_language"] = "en"
    assert actions.reject(offer.pk, ana, WEEKDAY_MORNING) == "rejected"
    again = client.post("/availability/today/", {"on": "off"}, **JSON).json()
    assert again["message"] == "Today's Availability is off: no referrals for the rest of today."
    # Its 15 minutes over, an offer no longer waits, whether or not the dispatcher has come by.
    client.post("/availability/today/", {"on": "on"}, **JSON)
    later = offered_to(ana)
    clock.move_to(later.expires_at)
    past = client.post("/availability/today/", {"on": "off"}, **JSON).json()
    assert past["message"] == "Today's Availability is off: no referrals for the rest of today."


def test_going_out_of_office_now_with_referrals_still_waiting_says_how_many(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    offered_to(ana), offered_to(ana)
    form = {"starts_at": "2026-11-23T10:00", "no_end": "on", "confirm": "yes"}  # 10:00 in Phoenix: now
    page = client.post("/availability/out-of-office/", form, follow=True).content.decode()
    assert (
        "Out of Office saved. You will receive no referrals during it. 2 referrals offered to you before still "
        "wait for your answer: accept or reject them, or they will count as missed."
    ) in page
    later = client.post("/availability/out-of-office/", {**form, "starts_at": "2026-11-30T10:00"}, follow=True)
    assert "Out of Office saved." in later.content.decode() and "still wait" not in later.content.decode()


def test_switching_on_after_hours_starts_now_and_shows_the_stop_time(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    evening = WEEKDAY_MORNING + timedelta(hours=7, minutes=30)  # 17:30 in Phoenix, after hours
    clock.move_to(evening)
    assert 'aria-checked="false"' in client.get("/referrals/").content.decode()
    answer = client.post("/availability/today/", {"on": "on"}, **JSON).json()
    # Switched on after hours, referrals run to the end of the day: the answer says midnight.
    assert answer["on"] is True and answer["stop_at"] == "midnight"
    assert answer["message"] == "Today's Availability is on: referrals stop at midnight."
    assert '<strong class="stop-time" id="stop-time">midnight</strong>' in client.get("/referrals/").content.decode()
    client.cookies["django_language"] = "es"
    spanish = client.post("/availability/today/", {"on": "on"}, **JSON).json()
    assert spanish["stop_at"] == "medianoche" and "12:00" not in spanish["message"]
    client.cookies["django_language"] = "en"
    later = client.post("/availability/today/", {"on": "on", "stop_at": "21:30"}, **JSON).json()
    assert later["stop_at"] == "9:30 PM" and "referrals stop at 9:30 PM." in later["message"]
    past = client.post("/availability/today/", {"on": "on", "stop_at": "17:00"}, **JSON)
    assert past.status_code == 400 and past.json()["message"] == "Choose a time later today."
    referral = request_referral(evening)
    assert Offer.objects.get(referral=referral, kind="direct").agent_id == ana.pk


# --- Availability Settings ----------------------------------------------------------------


def settings_post(**changes: str) -> dict[str, str]:
    data = {
        "day-TOTAL_FORMS": "7", "day-INITIAL_FORMS": "7", "day-MIN_NUM_FORMS": "7", "day-MAX_NUM_FORMS": "7",
        "break-TOTAL_FORMS": "1", "break-INITIAL_FORMS": "0", "break-MIN_NUM_FORMS": "0", "break-MAX_NUM_FORMS": "10",
    }  # fmt: skip
    for day in range(7):
        if day < 5:
            data[f"day-{day}-on"] = "on"
        data[f"day-{day}-start"], data[f"day-{day}-end"] = "08:00", "17:00"
    data.update(changes)
    return data


def test_hours_that_run_to_the_end_of_the_day_are_previewed_as_until_midnight(clock: Any) -> None:
    evenings = [{"on": True, "start": "08:00", "end": "24:00"}] * 7
    _ana, client = signed_in("Ana", languages=["es"], weekly=evenings)
    page = client.get("/availability/").content.decode()
    assert "You are receiving referrals now, until midnight." in page and "12:00 AM." not in page
    # The time field cannot show 24:00: the page says what its 12:00 AM end means.
    assert 'name="day-0-end" value="00:00"' in page and "A day that ends at 12:00 AM runs until midnight" in page
    client.cookies["django_language"] = "es"
    assert "Está recibiendo referencias ahora, hasta la medianoche." in client.get("/availability/").content.decode()


def test_a_breaks_days_are_one_group_named_before_its_boxes(clock: Any) -> None:
    """Screen readers announce "Days" with each box: a fieldset and its legend, first."""
    _ana, client = signed_in("Ana", languages=["es"])
    page = client.get("/availability/").content.decode()
    legend = page.index("<legend>Days</legend>")
    assert page.rindex("<fieldset", 0, legend) > page.index('id="break-0"')
    assert legend < page.index('id="id_break-0-days_0"') < page.index('<label for="id_break-0-days_0">Monday</label>')
    assert 'for=""' not in page


def test_weekly_hours_and_a_lunch_break_are_saved_and_previewed(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    page = client.get("/availability/").content.decode()
    assert "You are receiving referrals now, until 5:00 PM." in page
    lunch = {"break-0-days": ["0", "1", "2", "3", "4"], "break-0-start": "09:30", "break-0-end": "10:30"}
    saved = client.post("/availability/", settings_post(**{"day-5-on": "on"}, **lunch), follow=True)  # type: ignore[arg-type]
    body = saved.content.decode()
    assert (
        "Your availability is saved." in body
        and "You will next receive referrals on Monday, November 23 at 10:30 AM." in body
    )
    schedule = availability.schedule_of(ana)
    assert schedule.weekly[5]["on"] is True and schedule.breaks == [
        {"days": [0, 1, 2, 3, 4], "start": "09:30", "end": "10:30"}
    ]


def test_bad_hours_are_refused_with_the_reason_and_nothing_changes(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    page = client.post("/availability/", settings_post(**{"day-0-end": "07:00", "break-0-start": "12:00"}))
    body = page.content.decode()
    assert page.status_code == 400
    assert "The day must end after it starts." in body and "Enter when the break ends." in body
    assert "Choose at least one day." in body
    assert availability.schedule_of(ana).weekly == OFFICE_HOURS


def test_out_of_office_asks_yes_before_saving(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    form = {"starts_at": "2026-11-24T08:00", "no_end": "on"}
    asked = client.post("/availability/out-of-office/", form).content.decode()
    assert "until you switch Out of Office off. Are you sure?" in asked and not OutOfOffice.objects.exists()
    client.post("/availability/out-of-office/", {**form, "confirm": "yes"})
    (period,) = OutOfOffice.objects.filter(agent=ana)
    assert period.ends_at is None and period.starts_at == datetime.fromisoformat("2026-11-24T15:00+00:00")
    page = client.get("/availability/").content.decode()
    assert "From 11/24/2026 08:00 AM, no end date" in page
    client.post(f"/availability/out-of-office/{period.pk}/end/")  # not begun yet: removed
    assert not OutOfOffice.objects.exists()


@pytest.mark.parametrize(
    "counts",
    [{"day-TOTAL_FORMS": "0"}, {"day-TOTAL_FORMS": "8"}, {"day-TOTAL_FORMS": "x"}, {"break-TOTAL_FORMS": "1000"}],
)
def test_a_tampered_count_of_days_or_breaks_is_refused_over_the_saved_week(clock: Any, counts: dict[str, str]) -> None:
    """A page edited by hand, or an old page whose form no longer matches, gets its reason
    and the week as saved, ready to post again; it was a 500."""
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    page = client.post("/availability/", settings_post(**{"day-5-on": "on", **counts}))
    assert page.status_code == 400
    html = page.content.decode()
    assert "This page was changed after it reached you. Reload it and try again: nothing was saved." in html
    assert "Please submit" not in html  # the formset's own words, not an agent's
    assert html.count('name="day-') >= 7 * 3 and 'name="day-6-start"' in html and 'name="day-7-start"' not in html
    assert html.count('name="break-') < 20  # not a thousand rows of breaks shown back
    assert availability.schedule_of(ana).weekly == OFFICE_HOURS
    resent = client.post("/availability/", settings_post(**{"day-5-on": "on"}))
    assert resent.status_code == 302 and availability.schedule_of(ana).weekly[5]["on"]


def test_out_of_office_that_ends_before_it_starts_is_refused(clock: Any) -> None:
    _ana, client = signed_in("Ana")
    page = client.post("/availability/out-of-office/", {"starts_at": "2026-11-24T08:00", "ends_at": "2026-11-23T08:00"})
    assert page.status_code == 400 and "You must be back after you leave." in page.content.decode()
    missing = client.post("/availability/out-of-office/", {"starts_at": "2026-11-24T08:00"})
    assert "Enter when you are back, or choose No End Date." in missing.content.decode()
    assert not OutOfOffice.objects.exists()


def test_out_of_office_already_over_or_beyond_the_calendar_is_refused(clock: Any) -> None:
    _ana, client = signed_in("Ana")  # in Phoenix, on Monday 2026-11-23 at 10:00
    over = client.post(
        "/availability/out-of-office/",
        {"starts_at": "2026-11-20T08:00", "ends_at": "2026-11-21T08:00", "confirm": "yes"},
    )
    assert over.status_code == 400 and "This period is already over." in over.content.decode()
    # 23:00 on the last day of 9999 in Phoenix is in the year 10000 everywhere east of it.
    beyond = client.post(
        "/availability/out-of-office/", {"starts_at": "9999-12-31T23:00", "no_end": "on", "confirm": "yes"}
    )
    assert beyond.status_code == 400 and "Enter a date between the years 1 and 9999." in beyond.content.decode()
    assert not OutOfOffice.objects.exists()


# --- Profile ----------------------------------------------------------------------------


def profile_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "preferred_contact": "email_text", "phone": "602-555-0100", "zip_code": "85004",
        "languages": ["en", "es"], "states": ["AZ"], "ui_language": "en",
    }  # fmt: skip
    data.update(changes)
    return data


def test_state_preferences_name_the_states_in_the_agents_language(clock: Any) -> None:
    _ana, client = signed_in("Ana", states=["AZ", "NC"])
    assert "North Carolina</label>" in client.get("/profile/").content.decode()
    client.cookies["django_language"] = "es"
    assert "Carolina del Norte</label>" in client.get("/profile/").content.decode()


def test_profile_changes_contact_zip_languages_and_states(clock: Any) -> None:
    ana, client = signed_in("Ana", states=["AZ", "UT"])
    page = client.get("/profile/").content.decode()
    assert f'value="{ana.email}" readonly' in page and "Marketplace Learning Management System" in page
    assert 'value="(602) 555-0100"' in page  # as dialled; stored as +16025550100
    assert 'value="AZ"' in page and 'value="UT"' in page and 'value="TX"' not in page  # licensed states only
    assert "Arizona</label>" in page and "Utah</label>" in page  # named, not coded
    client.post("/profile/", profile_post(zip_code="84101", languages=["vi"], states=["UT"]))
    ana.refresh_from_db()
    assert (ana.zip_code, ana.time_zone, ana.city) == ("84101", "America/Denver", "Salt Lake City")
    assert ana.languages == ["vi"] and ana.excluded_states == ["AZ"] and ana.preferred_contact == "email_text"


def test_bad_profile_input_names_the_field_and_changes_nothing(clock: Any) -> None:
    ana, client = signed_in("Ana")
    page = client.post("/profile/", profile_post(phone="12", zip_code="00000", languages=[], states=["TX"]))
    body = page.content.decode()
    assert page.status_code == 400
    assert "Enter a U.S. phone number, like 602-555-0134." in body and "This ZIP code does not exist." in body
    assert "Choose at least one language." in body and "TX is not one of the available choices." in body
    before = ana.phone, ana.zip_code, ana.languages
    ana.refresh_from_db()
    assert (ana.phone, ana.zip_code, ana.languages) == before


def test_the_profile_language_is_remembered(clock: Any) -> None:
    _ana, client = signed_in("Ana")
    response = client.post("/profile/", profile_post(ui_language="es"), follow=True)
    assert "Su perfil se guardó." in response.content.decode()
    assert "Gestionar referencias" in client.get("/referrals/").content.decode()
    # On another device, the first page after signing in is in Spanish too, and stays so.
    phone = Client()
    phone.force_login(User.objects.get(username="ana"))
    first = phone.get("/referrals/")
    assert "Gestionar referencias" in first.content.decode() and first.cookies["django_language"].value == "es"
    assert "Gestionar referencias" in phone.get("/availability/").content.decode()
    # A language picked on that device (the header's button) is kept there.
    phone.post("/i18n/setlang/", {"language": "en", "next": "/referrals/"})
    assert "Manage Referrals" in phone.get("/referrals/").content.decode()


def test_signing_in_on_a_new_device_greets_the_agent_in_their_own_language(clock: Any) -> None:
    """A browser set to Spanish, an agent who chose English: the sign-in message and the
    page it lands on are both English (the message was Spanish on an English page)."""
    hector = make_agent("Hector", user=User.objects.create_user("hector", password=PASSWORD), ui_language="en")
    browser = Client(headers={"Accept-Language": "es"})
    landed = browser.post("/accounts/login/", {"login": "hector", "password": PASSWORD}, follow=True)
    page = landed.content.decode()
    assert "Successfully signed in as hector." in page and "Manage Referrals" in page
    assert "sesión" not in page and "Gestionar referencias" not in page
    # A language this browser chose itself still wins over the agent's.
    browser.post("/i18n/setlang/", {"language": "es", "next": "/referrals/"})
    browser.post("/accounts/logout/")
    again = browser.post("/accounts/login/", {"login": "hector", "password": PASSWORD}, follow=True).content.decode()
    assert "Ha iniciado sesión exitosamente como hector." in again and "Gestionar referencias" in again
    assert hector.ui_language == "en"


def test_nothing_shown_to_someone_signed_in_is_kept_by_the_browser(clock: Any) -> None:
    """Shared computers: the pages and answers that may carry a consumer's details are
    never stored; the consumer's own page may be, so that Back keeps what they typed."""
    ana, client = signed_in("Ana", languages=["es"])
    for url in ("/referrals/", "/referrals/rows/", "/availability/", "/profile/", "/help/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
    operator = Client()
    sign_in_operator(operator)
    assert "no-store" in operator.get("/admin/referrals/referral/")["Cache-Control"]
    answer = Client().get("/api/v1/agent/referrals", headers=with_token(ana))
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "no-store" not in Client().get("/").get("Cache-Control", "")


def test_operators_and_strangers_do_not_get_agent_pages() -> None:
    staff = User.objects.create_user("op", password=PASSWORD, is_staff=True)
    client = Client()
    client.force_login(staff)
    for url in ("/referrals/", "/availability/", "/profile/", "/referrals/rows/"):
        assert client.get(url)["Location"] == "/admin/"
        assert Client().get(url)["Location"].startswith("/accounts/login/")


def test_dropping_a_state_or_language_hands_its_pending_offers_to_the_next_agent(clock: Any) -> None:
    ana, client = signed_in("Ana", zip_code="85003", languages=["en", "es"], states=["AZ", "UT"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    spanish = request_referral(WEEKDAY_MORNING)
    english = request_referral(WEEKDAY_MORNING, language="en", phone="602-555-0150")
    assert {o.agent for o in Offer.objects.filter(outcome=Outcome.PENDING)} == {ana}
    # Saving without Spanish: the Spanish consumer goes to Diego now; the English one stays.
    answer = client.post("/profile/", profile_post(languages=["en"], states=["AZ", "UT"]), follow=True)
    told = "1 pending referral outside your new states or languages went to another agent."
    assert told in answer.content.decode()
    assert Offer.objects.get(referral=spanish, outcome=Outcome.PENDING).agent == diego
    assert Offer.objects.get(referral=spanish, agent=ana).outcome == Outcome.WITHDRAWN
    assert Offer.objects.get(referral=english, outcome=Outcome.PENDING).agent == ana
    # Saving without AZ: the English one goes too (nobody else speaks English: the safety net).
    client.post("/profile/", profile_post(languages=["en"], states=["UT"]))
    english.refresh_from_db()
    assert english.status == "safety_net"
    assert Offer.objects.get(referral=english, agent=ana).outcome == Outcome.WITHDRAWN


def test_the_browsers_time_zone_wins_over_the_zips(clock: Any) -> None:
    """R-AVAIL-1: detected from the browser, else from the ZIP. The page's script fills the
    hidden field; saving the settings stores it, and a later ZIP change keeps it."""
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    page = client.get("/availability/").content.decode()
    assert "Times are in your time zone, Arizona Time (America/Phoenix), detected from your ZIP code." in page
    assert 'name="browser_time_zone"' in page

    client.post("/availability/", settings_post(browser_time_zone="America/Chicago"))
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Chicago", "browser")
    page = client.get("/availability/").content.decode()
    assert "Times are in your time zone, Central Time (America/Chicago), detected from your browser." in page

    client.post("/profile/", profile_post(zip_code="84101"))
    ana.refresh_from_db()
    assert (ana.zip_code, ana.time_zone) == ("84101", "America/Chicago")


@pytest.mark.parametrize(
    ("zip_code", "language", "words"),
    [
        ("10001", "es", "Los horarios están en su zona horaria, Hora del Este (America/New_York), detectada"),
        ("83702", "en", "Times are in your time zone, America/Boise, detected from your ZIP code."),
    ],
)
def test_the_time_zone_is_named_in_words_where_it_has_a_common_name(
    clock: Any, zip_code: str, language: str, words: str
) -> None:
    _ana, client = signed_in("Ana", languages=["es", "en"], zip_code=zip_code, states=["AZ"], ui_language=language)
    assert words in client.get("/availability/").content.decode()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Mexico_City"])
def test_a_browser_zone_no_us_zip_is_in_leaves_the_zips(clock: Any, zone: str) -> None:
    """Firefox's fingerprinting protection reports UTC; a laptop may be on another country's
    time. Neither is where the agent works: the rest is saved, the ZIP's zone stays."""
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    page = client.post("/availability/", settings_post(**{"day-5-on": "on", "browser_time_zone": zone}))
    assert page.status_code == 302
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Phoenix", "zip")
    assert ana.schedule.weekly[5]["on"] is True


def test_without_a_browser_time_zone_the_zips_stays(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    client.post("/availability/", settings_post(browser_time_zone=""))  # no JavaScript
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Phoenix", "zip")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "America/Chicago" + "x" * 60])
def test_an_unknown_browser_time_zone_is_refused_and_nothing_changes(clock: Any, zone: str) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"], weekly=OFFICE_HOURS)
    page = client.post("/availability/", settings_post(**{"day-5-on": "on", "browser_time_zone": zone}))
    assert page.status_code == 400
    errors = page.context["zone"].errors["browser_time_zone"]
    assert errors == (
        ["Ensure this value has at most 64 characters (it has 75)."]
        if len(zone) > 64
        else [f"Your browser reported an unknown time zone ({zone}): nothing was saved."]
    )
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Phoenix", "zip")
    assert availability.schedule_of(ana).weekly == OFFICE_HOURS
