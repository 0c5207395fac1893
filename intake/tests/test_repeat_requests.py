"""A consumer who asks again while their request still looks for an agent is one request:
no second agent is offered the same person, and the consumer is not written to twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from hod.testing import WEEKDAY_MORNING, consumer, make_agent
from intake.services import ASKED_AGAIN_KEPT
from notifications.models import Message
from referrals.models import Event, Offer, Referral, Status
from routing import actions
from routing.explain import explain

pytestmark = pytest.mark.django_db
OFF = [{"on": False, "start": "08:00", "end": "17:00"}] * 7


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        yield


def post(client: Client, **overrides: object):
    return client.post("/api/v1/referrals", consumer(**overrides), content_type="application/json")


def test_the_same_request_again_answers_with_the_first_and_offers_nobody_else(client):
    ana = make_agent("Ana", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    first = post(client)
    # Typed again another way: other letter case, spaces, the phone written differently.
    again = post(client, first_name="  CARMEN ", last_name="ruiz", phone="(602) 555-0134")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    referral = Referral.objects.get()
    assert referral.first_name == "Carmen"  # as first sent
    assert [offer.agent for offer in Offer.objects.all()] == [ana]
    assert Message.objects.filter(template="consumer_received").count() == 1


def test_a_request_waiting_in_the_safety_net_is_found_too(client):
    make_agent("Ana", languages=["es"], weekly=OFF)
    first = post(client)
    assert first.json()["status"] == "safety_net"
    again = post(client)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"first_name": "Luis"},  # another person of the household, on the same phone
        {"phone": "602-555-0199"},
        {"zip_code": "85701"},  # a corrected ZIP: the first one may be wrong
        {"language": "en"},
    ],
    ids=["first_name", "phone", "zip_code", "language"],
)
def test_a_request_that_differs_is_a_request_of_its_own(client, change):
    make_agent("Ana", languages=["es", "en"])
    first = post(client)
    other = post(client, **change)
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert Referral.objects.count() == 2


def test_once_an_agent_accepted_or_nobody_could_a_new_request_is_stored_afresh(client):
    ana = make_agent("Ana", languages=["es"])
    first = post(client)
    offer = Offer.objects.get(referral__public_id=first.json()["id"])
    assert actions.accept(offer.pk, ana, timezone.now()) == actions.Result.ACCEPTED
    # Carmen asks again after Ana took her request: perhaps Ana has not called yet.
    second = post(client)
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    # Nobody takes the second: Ana lets it pass, it waits in the safety net, and after 72
    # hours it is closed unserved. Then Carmen may ask again.
    missed = timezone.now() + timedelta(minutes=15)
    actions.expire_due_offers(missed)
    assert Referral.objects.get(public_id=second.json()["id"]).status == Status.SAFETY_NET
    assert post(client).json()["id"] == second.json()["id"]  # still open: found
    later = missed + timedelta(hours=73)
    assert actions.close_stale_safety_net(later) == 1
    with time_machine.travel(later, tick=False):
        third = post(client)
    assert third.status_code == 201
    assert Referral.objects.count() == 3


def test_asking_again_is_in_the_referrals_log_for_operators_a_clients_retry_is_not(client):
    make_agent("Ana", languages=["es"], weekly=OFF)  # nobody on shift: Carmen waits
    key = {"Idempotency-Key": "hc-1"}
    first = client.post("/api/v1/referrals", consumer(), content_type="application/json", headers=key)
    client.post("/api/v1/referrals", consumer(), content_type="application/json", headers=key)  # the client's retry
    with time_machine.travel(WEEKDAY_MORNING + timedelta(minutes=20), tick=False):
        post(client)  # Carmen, twenty minutes later
    referral = Referral.objects.get(public_id=first.json()["id"])
    timeline = [(item["event"], item["by"]) for item in explain(referral)["timeline"]]
    assert timeline.count(("asked_again", "consumer")) == 1
    assert timeline.index(("asked_again", "consumer")) == len(timeline) - 1
    # A script sending the same request over and over fills the log only so far.
    for _ in range(ASKED_AGAIN_KEPT + 5):
        assert post(client).status_code == 200
    assert Event.objects.filter(referral=referral, kind="asked_again").count() == ASKED_AGAIN_KEPT
    assert Referral.objects.count() == 1


def test_an_idempotency_key_still_finds_its_own_referral_first(client):
    make_agent("Ana", languages=["es"])
    first = client.post(
        "/api/v1/referrals", consumer(), content_type="application/json", headers={"Idempotency-Key": "hc-1"}
    )
    # The same details with a new key: the open request.
    other_key = client.post(
        "/api/v1/referrals", consumer(), content_type="application/json", headers={"Idempotency-Key": "hc-2"}
    )
    # A retry of the first, names typed in other letter case: the first, as before.
    retry = client.post(
        "/api/v1/referrals",
        consumer(first_name="CARMEN"),
        content_type="application/json",
        headers={"Idempotency-Key": "hc-1"},
    )
    assert first.status_code == 201 and other_key.status_code == retry.status_code == 200
    assert first.json()["id"] == other_key.json()["id"] == retry.json()["id"]
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    "other",
    [
        {"first_name": "Luis"},
        {"phone": "602-555-0177"},
        {"zip_code": "85701"},
        {"language": "en"},
    ],
)
def test_a_key_reused_for_another_request_is_refused_and_stores_nothing(client, other):
    """A client that sends a second consumer under the first one's key learns that the second
    was not taken, instead of getting the first one's answer for it."""
    make_agent("Ana", languages=["es", "en"])
    key = {"Idempotency-Key": "hc-1"}
    first = client.post("/api/v1/referrals", consumer(), content_type="application/json", headers=key)
    stored = list(Referral.objects.values_list("first_name", "phone", "email", "zip_code", "language"))
    messages = Message.objects.count()
    reused = client.post("/api/v1/referrals", consumer(**other), content_type="application/json", headers=key)
    assert first.status_code == 201
    assert reused.status_code == 422
    assert reused.json() == {
        "errors": {
            "Idempotency-Key": [
                "This key was already used for another request (other names, phone, ZIP code or "
                "language): nothing was stored. Send each new request with a new key."
            ]
        }
    }
    assert list(Referral.objects.values_list("first_name", "phone", "email", "zip_code", "language")) == stored
    assert Message.objects.count() == messages
    assert Offer.objects.count() == 1
    # With a key of its own it is a request like any other.
    fresh = client.post(
        "/api/v1/referrals", consumer(**other), content_type="application/json", headers={"Idempotency-Key": "hc-2"}
    )
    assert fresh.status_code == 201 and Referral.objects.count() == 2


def test_the_refusal_of_a_reused_key_speaks_spanish_too(client):
    make_agent("Ana", languages=["es"])
    key = {"Idempotency-Key": "hc-1"}
    client.post("/api/v1/referrals", consumer(), content_type="application/json", headers=key)
    reused = client.post(
        "/api/v1/referrals",
        consumer(first_name="Luis"),
        content_type="application/json",
        headers={**key, "Accept-Language": "es"},
    )
    assert reused.status_code == 422
    assert reused.json()["errors"]["Idempotency-Key"][0].startswith("Esta clave ya se usó para otra solicitud")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_open_referrals_alike_stored_before_it():
    """A database that already holds two open referrals alike migrates: they have no
    fingerprint, so neither is closed or changed, and new requests are guarded."""
    executor = MigrationExecutor(connection)
    before, after = (
        [("referrals", "0007_drop_duplicate_fk_indexes")],
        [("referrals", "0008_one_open_referral_per_request")],
    )
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("referrals", "Referral")
        fields = {
            "first_name": "Carmen", "last_name": "Ruiz", "phone": "+16025550134", "zip_code": "85004",
            "city": "Phoenix", "county": "Maricopa", "state": "AZ", "lat": 33.45, "lon": -112.07,
            "language": "es", "consent_at": WEEKDAY_MORNING, "plan_year": 2027, "created_at": WEEKDAY_MORNING,
        }  # fmt: skip
        old.objects.create(**fields)
        old.objects.create(**fields)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert list(Referral.objects.values_list("status", "fingerprint")) == [("offered", None)] * 2
    finally:
        call_command("migrate", verbosity=0)
