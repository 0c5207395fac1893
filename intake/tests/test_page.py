"""The "Get Contacted" page: a consumer who presses the button twice, or sends the page again
from the browser's history, is one request, not two agents calling the same person."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from hod.testing import WEEKDAY_MORNING, consumer, make_agent
from notifications.models import Message
from referrals.models import Event, Offer, Referral

pytestmark = pytest.mark.django_db
CARMEN = {**consumer(), "consent": "on"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        yield


def page_key(response) -> str:
    found = re.search(r'name="request_key" value="([^"]*)"', response.content.decode())
    assert found, "the page carries its request key"
    return found.group(1)


def test_the_same_page_sent_twice_is_one_request_with_one_offer(client):
    make_agent("Ana", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    key = page_key(client.get("/"))
    first = client.post("/", {**CARMEN, "request_key": key})
    again = client.post("/", {**CARMEN, "request_key": key})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    referral = Referral.objects.get()
    assert [offer.agent.first_name for offer in Offer.objects.all()] == ["Ana"]
    assert Message.objects.filter(referral=referral, template="consumer_received").count() == 1
    assert Event.objects.filter(kind="received").count() == 1


def test_a_second_visit_asking_the_same_finds_the_first_request_and_a_second_person_asks_anew(client):
    """A new page has a new key, but Carmen asking again (in other letter case) while her
    request looks for an agent is still her one request; her husband on the same phone is his own."""
    make_agent("Ana", languages=["es"])
    one, two, three = page_key(client.get("/")), page_key(client.get("/")), page_key(client.get("/"))
    assert len({one, two, three}) == 3
    first = client.post("/", {**CARMEN, "request_key": one})
    again = client.post("/", {**CARMEN, "first_name": "CARMEN", "last_name": "ruiz", "request_key": two})
    husband = client.post("/", {**CARMEN, "first_name": "Luis", "request_key": three})
    assert first["Location"] == again["Location"] != husband["Location"]
    assert sorted(Referral.objects.values_list("first_name", flat=True)) == ["Carmen", "Luis"]
    assert Message.objects.filter(template="consumer_received").count() == 2
    assert Offer.objects.count() == 2


def test_a_corrected_page_sent_again_is_a_new_request_and_the_correction_is_kept(client):
    make_agent("Ana", languages=["es"])
    key = page_key(client.get("/"))
    client.post("/", {**CARMEN, "request_key": key})
    corrected = client.post("/", {**CARMEN, "phone": "602-555-0199", "request_key": key})
    assert corrected.status_code == 302
    assert sorted(Referral.objects.values_list("phone", flat=True)) == ["+16025550134", "+16025550199"]


def test_a_page_with_errors_keeps_its_key_so_the_fixed_request_is_still_one(client):
    make_agent("Ana", languages=["es"])
    key = page_key(client.get("/"))
    bad = client.post("/", {**CARMEN, "zip_code": "1234", "request_key": key})
    assert bad.status_code == 400
    assert page_key(bad) == key
    for _ in range(2):
        assert client.post("/", {**CARMEN, "request_key": key}).status_code == 302
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("tampered", ["not-a-key", "<script>alert(1)</script>", "9" * 5000])
def test_a_tampered_key_is_refused_with_a_clear_message_and_nothing_is_stored(client, tampered):
    make_agent("Ana", languages=["es"])
    refused = client.post("/", {**CARMEN, "request_key": tampered})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "This page was changed after it reached you." in page
    assert tampered not in page
    assert re.fullmatch(r"[0-9a-f-]{36}", page_key(refused))  # a fresh key to send again with
    assert not (Referral.objects.exists() or Offer.objects.exists() or Message.objects.exists())
    assert client.post("/", {**CARMEN, "request_key": page_key(refused)}).status_code == 302


def test_the_refusal_speaks_spanish_on_the_spanish_page():
    client = Client(headers={"Accept-Language": "es"})
    make_agent("Ana", languages=["es"])
    page = client.post("/", {**CARMEN, "request_key": "x"}).content.decode()
    assert "Esta página se modificó después de llegarle." in page
