from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from eligibility.models import ServedState
from hod.testing import WEEKDAY_MORNING, consumer, make_agent
from notifications.models import Message
from referrals.models import Event, Offer, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        yield


def post(client: Client, payload: object, **headers: str):
    return client.post("/api/v1/referrals", payload, content_type="application/json", headers=headers)


def nothing_stored() -> bool:
    return not (
        Referral.objects.exists() or Offer.objects.exists() or Message.objects.exists() or Event.objects.exists()
    )


def test_intake_commits_the_referral_and_its_first_offer_before_answering(client):
    ana = make_agent("Ana", languages=["es"])
    response = post(client, consumer())
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "offered"
    assert body["location"] == "Phoenix, Maricopa, AZ"
    offer = Offer.objects.get(referral__public_id=body["id"])
    assert offer.agent == ana
    assert Message.objects.filter(offer=offer).count() == 3  # email, text and app


def test_a_retry_with_the_same_idempotency_key_creates_nothing_new(client):
    make_agent("Ana", languages=["es"])
    first = post(client, consumer(), **{"Idempotency-Key": "hc-123"})
    again = post(client, consumer(), **{"Idempotency-Key": "hc-123"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Referral.objects.count() == 1
    assert Offer.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("zip_code", "00000", "This ZIP code does not exist."),
        ("zip_code", "8500", "Enter a five-digit ZIP code."),
        ("zip_code", "97201", "Oregon does not use HealthCare.gov"),
        ("zip_code", "10001", "New York does not use HealthCare.gov"),
        ("zip_code", "96799", "American Samoa does not use HealthCare.gov"),
        ("zip_code", "20001", "The District of Columbia does not use HealthCare.gov"),
        ("zip_code", "09001", "military ZIP code"),
        ("phone", "555-0134", "Enter a U.S. phone number"),
        ("phone", "+44 20 7946 0958", "Enter a U.S. phone number"),
        ("consent", False, "You must agree to be contacted"),
        ("consent", "yes", "Enter true or false."),  # a person's consent is JSON's true itself
        ("consent", 1, "Enter true or false."),
        ("consent", "true", "Enter true or false."),
        ("language", "xx", "Select a valid choice"),
        ("email", "not-an-email", "Enter a valid email address."),
        ("first_name", "<script>alert(1)</script>", "Use letters"),
        ("first_name", "Robert'); DROP TABLE referrals;--", "Use letters"),
        ("last_name", "A" * 101, "at most 100 characters"),
        ("last_name", "", "This field is required."),
    ],
)
def test_bad_intake_names_the_field_and_stores_nothing(client, field, value, message):
    response = post(client, consumer(**{field: value}))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert nothing_stored()


def test_every_bad_field_is_named_at_once(client):
    response = post(client, {"first_name": 7, "consent": "maybe"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"first_name", "last_name", "phone", "zip_code", "consent"}
    assert nothing_stored()


@pytest.mark.parametrize("body", ["not json", "[]", '{"first_name": null}', "{" * 10_000])
def test_malformed_bodies_are_400_not_500(client, body):
    response = client.post("/api/v1/referrals", body, content_type="application/json")
    assert response.status_code == 400
    assert nothing_stored()


def test_names_in_other_alphabets_and_with_accents_are_welcome(client):
    make_agent("Ana", languages=["es"])
    response = post(client, consumer(first_name="José María", last_name="Nuñez-O'Brien"))
    assert response.status_code == 201
    assert Referral.objects.get().first_name == "José María"


def test_a_zip_outside_served_states_gets_a_clear_answer_in_spanish(client):
    response = post(client, consumer(zip_code="10001"), **{"Accept-Language": "es"})
    assert response.status_code == 400
    assert response.json()["errors"]["zip_code"][0].startswith("Nueva York no usa CuidadoDeSalud.gov")


def test_the_openapi_document_describes_intake_and_agent_actions(client):
    doc = client.get("/api/openapi.json").json()
    assert "/api/v1/referrals" in doc["paths"]
    assert "/api/v1/agent/offers/{offer_id}/accept" in doc["paths"]
    assert "/api/v1/ops/referrals/{referral_id}/explanation" in doc["paths"]
    # A client reads what each intake answer means, each with its body's schema.
    answers = doc["paths"]["/api/v1/referrals"]["post"]["responses"]
    assert sorted(answers) == ["200", "201", "400", "413", "422", "429", "503"]
    assert "already used for a request with other details" in answers["422"]["description"]
    assert "HOD_REQUESTS_PER_PHONE" in answers["429"]["description"]
    assert "same request while its referral still looks for an agent" in answers["200"]["description"]
    assert all("application/json" in answer["content"] for answer in answers.values())


def test_the_page_speaks_the_consumers_language_and_preselects_it(client):
    page = client.get("/", headers={"Accept-Language": "es"}).content.decode()
    assert "Reciba la llamada de un agente o corredor con licencia" in page
    assert '<option value="es" selected>' in page
    assert '<option value="en" selected>' in client.get("/").content.decode()


def test_the_page_submits_through_the_same_intake_and_reports_errors_in_place(client):
    make_agent("Ana", languages=["es"])
    bad = client.post("/", {**consumer(zip_code="10001"), "consent": "on"})
    assert bad.status_code == 400
    assert "New York does not use HealthCare.gov" in bad.content.decode()
    assert not Referral.objects.exists()
    good = client.post("/", {**consumer(), "consent": "on"})
    assert good.status_code == 302
    received = client.get(good["Location"]).content.decode()
    assert "Phoenix, Maricopa, AZ" in received
    assert f"Your reference is {Referral.objects.get().reference}." in received
    assert not any(piece in received for piece in ("Carmen", "Ruiz", "555-0134", "carmen@"))
    assert Offer.objects.get().agent.first_name == "Ana"
    # The page in Spanish chose the language of the consumer's messages too.
    client.post("/", {**consumer(language="vi"), "consent": "on"}, headers={"Accept-Language": "es"})
    assert Referral.objects.get(language="vi").notice_language == "es"


def test_with_no_states_loaded_for_the_plan_year_intake_says_it_is_closed_and_stores_nothing(client, caplog):
    """A plan year whose HealthCare.gov states nobody loaded: no consumer is told their state
    is not on HealthCare.gov; the API answers 503, the page says so in place of the form."""
    ServedState.objects.filter(plan_year=2027).delete()
    make_agent("Ana", languages=["es"])
    response = post(client, consumer())
    assert response.status_code == 503
    assert response.json() == {"detail": "Help On Demand cannot take requests right now. Please try again later."}
    page = client.post("/", {**consumer(), "consent": "on"})
    assert page.status_code == 503 and "cannot take requests right now" in page.content.decode()
    assert 'name="first_name"' not in page.content.decode()
    spanish = client.get("/", headers={"Accept-Language": "es"})
    assert "Help On Demand no puede recibir solicitudes en este momento." in spanish.content.decode()
    assert nothing_stored()
    assert "no served states are loaded for plan year 2027" in caplog.text


@pytest.mark.parametrize("key", ["a\x00b", "x" * 201, "clé-été", "two words"])
def test_an_idempotency_key_that_is_not_one_is_refused_and_nothing_stored(client, key):
    """Never cut to fit (two long keys alike in their first 200 characters would have shared
    a referral), and a null character was a 500 on PostgreSQL."""
    make_agent("Ana", languages=["es"])
    response = client.post("/api/v1/referrals", consumer(), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert nothing_stored()
    assert post(client, consumer(), **{"Idempotency-Key": "x" * 200}).status_code == 201


def test_a_field_the_request_does_not_have_is_refused_by_name_not_ignored(client):
    """A misspelt `language` must not send a Spanish speaker to an English-speaking agent."""
    make_agent("Ana", languages=["es", "en"])
    sent = {key: value for key, value in consumer().items() if key != "language"}
    response = post(client, {**sent, "lenguage": "es"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"lenguage": ["This request has no such field."]}}
    assert not Referral.objects.exists()


def test_an_oversized_body_is_refused_in_the_apis_own_shape(client):
    response = post(client, consumer(first_name="A" * 3_000_000))
    assert response.status_code == 413
    assert response.json() == {"errors": {"body": ["The body is larger than 2,621,440 bytes."]}}
    assert nothing_stored()


def test_the_refusals_of_a_stray_field_and_an_oversized_body_speak_spanish_too(client):
    spanish = {"Accept-Language": "es"}
    stray = post(client, {**consumer(), "lenguage": "es"}, **spanish).json()
    assert stray == {"errors": {"lenguage": ["Esta solicitud no tiene ese campo."]}}
    big = post(client, consumer(first_name="A" * 3_000_000), **spanish).json()
    assert big == {"errors": {"body": ["El cuerpo de la solicitud ocupa más de 2\xa0621\xa0440 bytes."]}}
