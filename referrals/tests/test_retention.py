"""HOD_CONSUMER_DATA_DAYS after a request, the consumer's name and contact data are erased
(referrals.retention): from the referral, from the messages written to them, and from what
a guess could match. What the program reports on stays, and nothing still looking for an
agent is touched."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from hod.testing import WEEKDAY_MORNING, consumer, make_agent, signed_in
from notifications.delivery import deliver_due
from notifications.models import Message
from referrals import services
from referrals.models import Event, Offer, Referral, Status
from routing import actions
from routing.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
OFF = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
CARMEN = ("Carmen", "Ruiz", "555-0134", "5550134", "carmen@")
LATER = NOW + timedelta(days=30)


@pytest.fixture
def kept_30_days(settings):
    settings.HOD_CONSUMER_DATA_DAYS = 30
    settings.HOD_SAFETY_NET_HOURS = 24 * 365  # the safety-net request below stays open


@pytest.fixture
def ana():
    agent, client = signed_in("Ana", languages=["es"])
    return agent, client


def ask(when, **overrides) -> Referral:
    """A request through the API, as HealthCare.gov sends it."""
    with time_machine.travel(when, tick=False):
        answer = Client().post(
            "/api/v1/referrals",
            consumer(**overrides),
            content_type="application/json",
            headers={"Idempotency-Key": "k"},
        )
    assert answer.status_code == 201, answer.content
    return Referral.objects.get(public_id=answer.json()["id"])


def completed_by(agent, when) -> Referral:
    """Carmen's request, accepted and completed by `agent`; her notices sent."""
    referral = ask(when)
    deliver_due(when)
    offer = Offer.objects.get(referral=referral, agent=agent)
    assert actions.accept(offer.pk, agent, when + timedelta(minutes=3)) == "accepted"
    services.set_status(referral, agent, "completed", when + timedelta(minutes=40), completion="qhp")
    deliver_due(when + timedelta(hours=1))
    return referral


def test_thirty_days_after_the_request_the_consumer_is_erased_to_the_second(kept_30_days, ana):
    agent, _client = ana
    referral = completed_by(agent, NOW)
    assert set(Message.objects.filter(agent__isnull=True).values_list("to", flat=True)) == {"carmen@example.com"}
    Dispatcher(clock=lambda: LATER - timedelta(seconds=1)).run_once()
    referral.refresh_from_db()
    assert (referral.first_name, referral.erased_at) == ("Carmen", None)

    Dispatcher(clock=lambda: LATER).run_once()
    referral.refresh_from_db()
    assert (referral.first_name, referral.last_name, referral.phone, referral.email) == ("", "", "", "")
    assert (referral.fingerprint, referral.idempotency_key, referral.erased_at) == (None, None, LATER)
    # What the program reports on stays.
    assert (referral.location_label, referral.language, referral.status, referral.completion) == (
        "Phoenix, Maricopa, AZ", "es", Status.COMPLETED, "qhp",
    )  # fmt: skip
    assert Offer.objects.filter(referral=referral, outcome="accepted", agent=agent).exists()
    erased = Event.objects.get(referral=referral, kind="erased")
    assert (erased.at, erased.data) == (LATER, {"days": 30})
    # Nothing of hers is left anywhere in the database's rows about her.
    to_her = Message.objects.filter(referral=referral, agent__isnull=True)
    assert to_her.count() == 2 and set(to_her.values_list("to", flat=True)) == {""}
    rows = [Referral.objects.filter(pk=referral.pk).values().get(), *Message.objects.values(), *Event.objects.values()]
    assert not any(piece in str(rows) for piece in CARMEN)


def test_a_request_still_looking_for_an_agent_is_kept_until_it_closes(kept_30_days, settings):
    make_agent("Ana", languages=["es"], weekly=OFF)
    waiting = ask(NOW)
    assert waiting.status == Status.SAFETY_NET
    Dispatcher(clock=lambda: LATER).run_once()
    waiting.refresh_from_db()
    assert (waiting.first_name, waiting.erased_at) == ("Carmen", None)
    settings.HOD_SAFETY_NET_HOURS = 72
    Dispatcher(clock=lambda: LATER + timedelta(minutes=1)).run_once()  # closed as unserved, then erased
    waiting.refresh_from_db()
    assert (waiting.status, waiting.first_name, waiting.phone) == (Status.UNSERVED, "", "")


def test_by_default_nothing_is_ever_erased(ana):
    agent, _client = ana
    referral = completed_by(agent, NOW)
    Dispatcher(clock=lambda: NOW + timedelta(days=3650)).run_once()
    referral.refresh_from_db()
    assert (referral.first_name, referral.erased_at) == ("Carmen", None)
    assert not Event.objects.filter(kind="erased").exists()


def test_the_agent_sees_that_the_data_was_erased_on_the_page_the_export_and_the_api(kept_30_days, ana):
    agent, client = ana
    completed_by(agent, NOW)
    Dispatcher(clock=lambda: LATER).run_once()
    page = client.get("/referrals/?date_from=2026-11-01").content.decode()
    assert "Personal data erased" in page and "Phoenix, Maricopa, AZ" in page
    assert not any(piece in page for piece in CARMEN)
    assert 'href="tel:' not in page
    export = client.get("/metrics/export/?date_from=2026-11-23&date_to=2026-11-23&format=csv")
    [head, row] = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert row[1:4] == ["Personal data erased", "", ""]
    assert not any(piece in export.content.decode("utf-8-sig") for piece in CARMEN)
    token = _token(agent)
    [answer] = client.get("/api/v1/agent/referrals", headers={"Authorization": f"Bearer {token}"}).json()
    assert answer["consumer"] is None
    assert answer["personal_data_erased_at"].startswith("2026-12-23T17:00:00")
    assert (answer["status"], answer["completion"]) == ("completed", "qhp")


def test_a_referral_left_in_progress_is_erased_too_and_can_still_be_closed(kept_30_days, ana):
    agent, client = ana
    referral = ask(NOW)
    offer = Offer.objects.get(referral=referral, agent=agent)
    assert actions.accept(offer.pk, agent, NOW + timedelta(minutes=3)) == "accepted"
    page = client.get("/referrals/?date_from=2026-11-01").content.decode()
    assert "Log contact attempt" in page
    Dispatcher(clock=lambda: LATER).run_once()
    page = client.get("/referrals/?date_from=2026-11-01").content.decode()
    assert "Personal data erased" in page and "Save status" in page
    assert "Log contact attempt" not in page  # nobody left to reach
    # A page opened before the erasure still holds the form: its post is refused, nothing logged.
    late = client.post(f"/referrals/{referral.public_id}/attempts/", {"method": "phone", "result": "no_answer"})
    assert late.status_code == 302
    page = client.get("/referrals/?date_from=2026-11-01").content.decode()
    assert "The consumer&#x27;s contact data was erased" in page
    assert not referral.contact_attempts.exists()
    closed = client.post(f"/referrals/{referral.public_id}/status/", {"status": "not_good", "reason": "unreachable"})
    assert closed.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.first_name) == (Status.NOT_GOOD, "")


def _token(agent) -> str:
    out = io.StringIO()
    call_command("create_api_token", agent.user.username, stdout=out)
    return out.getvalue().strip()


def test_the_command_counts_erases_and_refuses_a_bad_number_of_days(ana, settings):
    agent, _client = ana
    referral = completed_by(agent, NOW)
    for bad, why in (("0", "0 days: give 1 or more"), ("abc", "'abc' is not a whole number of days")):
        with pytest.raises(CommandError, match=why):
            call_command("erase_consumer_data", "--days", bad)
    with pytest.raises(CommandError, match="set HOD_CONSUMER_DATA_DAYS"):
        call_command("erase_consumer_data")
    out = io.StringIO()
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        call_command("erase_consumer_data", "--days", "30", "--dry-run", stdout=out)
        assert out.getvalue().strip() == (
            "1 referrals requested 30 or more days ago would have their consumer data erased."
        )
        referral.refresh_from_db()
        assert referral.erased_at is None
        call_command("erase_consumer_data", "--days", "60", stdout=out)
        assert "Erased the consumer data of 0 referrals" in out.getvalue()
        settings.HOD_CONSUMER_DATA_DAYS = 30
        out = io.StringIO()
        call_command("erase_consumer_data", stdout=out)
    assert out.getvalue().strip() == "Erased the consumer data of 1 referrals requested 30 or more days ago."
    referral.refresh_from_db()
    assert referral.first_name == "" and referral.erased_at == NOW + timedelta(days=40)
