"""View Metrics and Export Metrics (R-PORTAL-4), and their privacy (R-SEC-1)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from agents.models import Agent
from availability import services as availability
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, signed_in
from portal.metrics import Metrics
from referrals.models import Offer, Outcome, Referral
from routing import actions

pytestmark = pytest.mark.django_db
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(minutes: float) -> datetime:
    return WEEKDAY_MORNING + timedelta(minutes=minutes)


def offer_of(referral: Referral) -> Offer:
    return Offer.objects.get(referral=referral, outcome=Outcome.PENDING)


@pytest.fixture
def day() -> Any:
    """Ana's Monday: five consumers, each answered differently, and a Tuesday she reads it on."""
    with time_machine.travel(WEEKDAY_MORNING, tick=False) as clock:
        ana, client = signed_in("Ana", languages=["es", "en"])
        make_agent("Diego", zip_code="85701", languages=["es"])  # Tucson: whom her passes go to
        # Accepted after 40 s, completed: Medicaid.
        first = request_referral(at(0))
        actions.accept(offer_of(first).pk, ana, at(0) + timedelta(seconds=40))
        client.post(f"/referrals/{first.public_id}/status/", {"status": "completed", "completion": "medicaid"})
        # Accepted after 3 minutes, completed: a Marketplace plan. Her e-mail is a formula.
        second = request_referral(at(10), phone="602-555-0111", first_name="Lupe", email="=1+2@example.com")
        actions.accept(offer_of(second).pk, ana, at(13))
        client.post(f"/referrals/{second.public_id}/status/", {"status": "completed", "completion": "qhp"})
        # Rejected after 12 minutes; missed; and one still in progress.
        third = request_referral(at(20), phone="602-555-0122", first_name="Rosa")
        actions.reject(offer_of(third).pk, ana, at(32))
        fourth = request_referral(at(40), phone="602-555-0133", first_name="Tere")
        actions.expire_due_offers(at(55))
        ana.refresh_from_db()
        availability.resume(ana, at(56))
        fifth = request_referral(at(60), phone="602-555-0144", first_name="Vero")
        actions.accept(offer_of(fifth).pk, ana, at(61))
        clock.move_to(WEEKDAY_MORNING + timedelta(days=1))
        client.force_login(ana.user)  # a new day, a new sign-in
        yield ana, client, (first, second, third, fourth, fifth)


def test_view_metrics_counts_the_days_referrals_and_draws_them(day: Any) -> None:
    _ana, client, _referrals = day
    page = client.get("/metrics/").content.decode()
    tiles = {
        "Referrals received": 5, "Accepted": 3, "Rejected": 1, "Missed": 1, "Completed": 2,
    }  # fmt: skip
    for label, value in tiles.items():
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page, label
    assert "<dt>Median response</dt><dd>2 min</dd>" in page  # 40 s, 60 s, 180 s, 720 s → median of four
    assert page.count('role="img"') == 1 and page.count('class="hbars"') == 2
    assert "style=" not in page  # the policy allows no inline style: the bars are SVG attributes
    # Each chart's figures are in its table: Monday's outcomes, the response buckets, completions.
    assert '<th scope="row">Nov 23</th><td>3</td><td>1</td><td>1</td>' in page
    for bucket, n in (("0–1 min", 1), ("1–2 min", 1), ("2–5 min", 1), ("5–10 min", 0), ("10–15 min", 1)):
        assert f'<th scope="row">{bucket}</th><td>{n}</td>' in page, bucket
    assert '<th scope="row">Referred to Medicaid</th><td>1</td>' in page
    assert '<th scope="row">Selected a Marketplace QHP</th><td>1</td>' in page
    # Metrics never name a consumer.
    assert not any(name in page for name in ("Carmen", "Lupe", "Vero", "555-0"))
    client.cookies["django_language"] = "es"
    spanish = client.get("/metrics/").content.decode()
    # The day first and the month in lower case, as Spanish writes them ("23 Nov" before).
    assert '<th scope="row">23 nov</th><td>3</td><td>1</td><td>1</td>' in spanish
    assert "<dt>Respuesta mediana</dt><dd>2 min</dd>" in spanish
    # The range's date inputs hold ISO dates in Spanish too: a browser shows no other form.
    assert re.findall(r'<input type="date" name="date_(?:from|to)" value="([^"]*)"', spanish) == [
        "2026-10-26",
        "2026-11-24",
    ]
    # The drawing's numbers are SVG's, not Spanish prose: "12,5" is no length, and the
    # browser drew every bar full width and the day chart's none.
    lengths = re.findall(r'<(?:svg|rect|text) [^>]*?\b(?:x|y|width|height)="([^"]*)"', spanish)
    assert lengths and all(re.fullmatch(r"\d+(\.\d+)?%?", length) for length in lengths), lengths
    assert re.findall(r'width="[^"]*"', spanish) == re.findall(r'width="[^"]*"', page)


def test_a_range_outside_the_referrals_shows_zeros_and_bad_ranges_name_the_field(day: Any) -> None:
    _ana, client, _referrals = day
    page = client.get("/metrics/?date_from=2026-10-01&date_to=2026-10-31").content.decode()
    assert "<dt>Referrals received</dt><dd>0</dd>" in page and "Nothing to show for these dates." in page
    reversed_range = client.get("/metrics/?date_from=2026-11-24&date_to=2026-11-01")
    assert (
        reversed_range.status_code == 400 and "The To date is before the From date." in reversed_range.content.decode()
    )
    beyond = client.get("/metrics/?date_from=9999-12-01&date_to=9999-12-31")  # no day after the last: a 500 before
    assert beyond.status_code == 400
    assert "Ensure this value is less than or equal to 2099-12-31." in beyond.content.decode()
    too_long = client.get("/metrics/?date_from=2024-01-01&date_to=2026-11-01")
    assert too_long.status_code == 400 and "Choose at most 366 days at a time." in too_long.content.decode()
    not_a_date = client.get("/metrics/export/?date_from=yesterday&format=csv")
    assert not_a_date.status_code == 400 and "Enter a valid date." in not_a_date.content.decode()
    assert "attachment" not in not_a_date.get("Content-Disposition", "")
    bad_format = client.get("/metrics/export/?format=pdf")
    assert bad_format.status_code == 400 and "Select a valid choice." in bad_format.content.decode()


def test_the_csv_has_one_row_per_referral_with_consumers_only_where_she_accepted(day: Any) -> None:
    _ana, client, _referrals = day
    answer = client.get("/metrics/export/?date_from=2026-11-23&date_to=2026-11-23&format=csv")
    assert answer.status_code == 200 and answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == (
        'attachment; filename="help-on-demand-referrals-2026-11-23-to-2026-11-23.csv"'
    )
    assert "no-store" in answer["Cache-Control"]
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    head, body = lines[0], lines[1:]
    assert head[:7] == ["Referral Assigned", "Name", "Phone", "Email", "Location", "Kind", "Referral Status"]
    direct = [line for line in body if line[5] == "Direct"]
    by_status = {line[6]: line for line in direct}
    assert len(direct) == 5
    # The two she passed or missed went on to the safety net, whose notices reached her too:
    # pending, so they say where the consumer is, and nothing more.
    notices = [line for line in body if line[5] == "Safety net"]
    assert [line[1:5] for line in notices] == [["", "", "", "Phoenix, Maricopa, AZ"]] * 2
    assert by_status["Referral Completed"][1] in {"Carmen Ruiz", "Lupe Ruiz"}
    assert by_status["Accepted"][1:4] == ["Vero Ruiz", "(602) 555-0144", "carmen@example.com"]
    for status in ("Rejected", "Missed"):
        assert by_status[status][1:5] == ["", "", "", ""], status  # nobody, and not even where
    lupe = next(line for line in body if line[1] == "Lupe Ruiz")
    assert lupe[3] == "'=1+2@example.com"  # shown as typed, never run as a formula
    assert lupe[7] == "Selected a Marketplace QHP" and lupe[9] == "180"


def test_the_excel_file_has_the_summary_and_the_rows_as_text_never_formulas(day: Any) -> None:
    _ana, client, _referrals = day
    answer = client.get("/metrics/export/?date_from=2026-11-23&date_to=2026-11-23&format=xlsx")
    assert answer.status_code == 200 and answer["Content-Type"] == EXCEL
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Summary", "Referrals"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Referrals received"] == 5 and summary["Missed"] == 1
    assert summary["Referral Completed: Referred to Medicaid"] == 1
    assert summary["Median response time (seconds)"] == 120
    sheet = book["Referrals"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'=1+2@example.com" in [c.value for c in cells]


def test_agents_who_passed_or_lost_a_referral_export_nothing_of_the_consumer(day: Any) -> None:
    ana, client, _referrals = day
    bo, other = signed_in("Bo", languages=["es"], zip_code="85701")
    diego = Agent.objects.get(first_name="Diego")
    # Tuesday: Sofia in Tucson. Bo, then Ana, pass (Diego is paused since Monday's miss); the
    # safety net goes out to all three, and Diego takes it.
    sofia = request_referral(at(24 * 60 + 5), phone="602-555-0155", first_name="Sofia", zip_code="85701")
    passed = []
    while (offer := Offer.objects.filter(referral=sofia, outcome=Outcome.PENDING, kind="direct").first()) is not None:
        passed.append(offer.agent.first_name)
        assert actions.reject(offer.pk, offer.agent, at(24 * 60 + 6 + len(passed))) == actions.Result.REJECTED
    assert passed == ["Bo", "Ana"]
    notice = Offer.objects.get(referral=sofia, agent=diego, kind="safety_net")
    assert actions.accept(notice.pk, diego, at(24 * 60 + 20)) == actions.Result.ACCEPTED
    for who, agent_client in (("Bo", other), ("Ana", client)):
        for fmt in ("csv", "xlsx"):
            answer = agent_client.get(f"/metrics/export/?date_from=2026-11-24&date_to=2026-11-24&format={fmt}")
            text = answer.content.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(answer.content)
            assert "Rejected" in text and "Taken by another agent" in text, (who, fmt)
            assert not any(piece in text for piece in ("Sofia", "555-0155", "@example.com", "Tucson")), (who, fmt)
        page = agent_client.get("/metrics/?date_from=2026-11-24&date_to=2026-11-24").content.decode()
        assert "<dt>Rejected</dt><dd>1</dd>" in page and "Sofia" not in page, who


def _xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def test_metrics_pages_are_for_agents_only() -> None:
    anonymous = Client()
    for url in ("/metrics/", "/metrics/export/", "/metrics/export/?format=csv"):
        assert anonymous.get(url)["Location"].startswith("/accounts/login/"), url
    User.objects.create_user("op", password="x", is_staff=True)
    operator = Client()
    operator.login(username="op", password="x")
    assert operator.get("/metrics/export/?format=csv")["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("seconds", "words"), [([], "—"), ([45.4], "45 s"), ([120.2], "2 min"), ([252], "4.2 min"), ([60, 899.6], "8 min")]
)
def test_the_median_response_reads_in_minutes_and_seconds(seconds: list[float], words: str) -> None:
    figures = Metrics(start=date(2026, 11, 23), end=date(2026, 11, 23), response_seconds=seconds)
    assert figures.median_response_words == words
