"""One phone number may make HOD_REQUESTS_PER_PHONE requests (5) in HOD_REQUESTS_PER_PHONE_HOURS
(24): past that a new request is refused, so nobody can set agents calling someone else's
number over and over. Asking again and retries are not new requests and are still answered."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from hod.testing import WEEKDAY_MORNING, consumer, make_agent
from notifications.models import Message
from referrals.models import Event, Offer, Referral

pytestmark = pytest.mark.django_db
HOUSEHOLD = ["Carmen", "Luis", "Sofía", "Mateo", "Elena"]
SIXTH = {"first_name": "Tomás", "last_name": "Vega"}


@pytest.fixture(autouse=True)
def agent():
    return make_agent("Ana", languages=["es"])


def post(client: Client, headers: dict[str, str] | None = None, **overrides: object):
    return client.post(
        "/api/v1/referrals", consumer(**overrides), content_type="application/json", headers=headers or {}
    )


def stored() -> tuple[int, int, int, int]:
    return Referral.objects.count(), Offer.objects.count(), Event.objects.count(), Message.objects.count()


def fill_the_phone(client: Client) -> list[str]:
    """Five people asking on 602-555-0134 at WEEKDAY_MORNING: the referrals' ids."""
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        answers = [post(client, first_name=name) for name in HOUSEHOLD]
    assert [answer.status_code for answer in answers] == [201] * 5
    return [answer.json()["id"] for answer in answers]


def test_a_sixth_request_for_one_phone_within_a_day_is_refused_naming_the_phone_and_nothing_is_stored(client):
    fill_the_phone(client)
    before = stored()
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=3), tick=False):
        # The number written another way is the same number.
        refused = post(client, phone="(602) 555-0134", **SIXTH)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(21 * 3600)  # when the first five leave the 24 hours
    assert refused.json() == {
        "errors": {
            "phone": [
                "This phone number has already asked for help 5 times in the last 24 hours, the most we take. "
                "You can ask again later, or get free help now from the Marketplace Call Center at "
                "1-800-318-2596 (TTY: 1-855-889-4325)."
            ]
        }
    }
    assert stored() == before
    # The answer tells nothing of the people who asked before.
    assert not any(name in refused.content.decode() for name in HOUSEHOLD)


def test_the_limit_counts_the_last_24_hours_to_the_second(client):
    fill_the_phone(client)
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=24, seconds=-1), tick=False):
        last_second = post(client, **SIXTH)
    assert (last_second.status_code, last_second["Retry-After"]) == (429, "1")
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=24), tick=False):
        assert post(client, **SIXTH).status_code == 201
    assert Referral.objects.filter(first_name="Tomás").count() == 1


def test_asking_again_and_a_clients_retry_are_still_answered_at_the_limit(client):
    ids = fill_the_phone(client)
    before = stored()
    with time_machine.travel(WEEKDAY_MORNING + timedelta(minutes=5), tick=False):
        again = post(client, first_name="LUIS")  # still offered to Ana
    assert (again.status_code, again.json()["id"]) == (200, ids[1])
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        first = post(client, headers={"Idempotency-Key": "k-1"}, phone="602-555-0199", **SIXTH)
        assert first.status_code == 201
        for name in HOUSEHOLD[1:]:
            assert post(client, phone="602-555-0199", first_name=name).status_code == 201
        retry = post(client, headers={"Idempotency-Key": "k-1"}, phone="602-555-0199", **SIXTH)
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert Referral.objects.count() == before[0] + 5
    assert Event.objects.filter(kind="asked_again").count() == 1


def test_other_phone_numbers_are_not_held_back(client):
    fill_the_phone(client)
    with time_machine.travel(WEEKDAY_MORNING + timedelta(minutes=1), tick=False):
        assert post(client, phone="602-555-0135", **SIXTH).status_code == 201


def test_the_limit_and_its_window_are_settings_and_zero_turns_it_off(client, settings):
    settings.HOD_REQUESTS_PER_PHONE, settings.HOD_REQUESTS_PER_PHONE_HOURS = 2, 1
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        assert [post(client, first_name=name).status_code for name in HOUSEHOLD[:3]] == [201, 201, 429]
        assert "2 times in the last 1 hours" in post(client, **SIXTH).json()["errors"]["phone"][0]
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=1), tick=False):
        assert post(client, **SIXTH).status_code == 201
        settings.HOD_REQUESTS_PER_PHONE = 0
        assert [post(client, first_name=name).status_code for name in HOUSEHOLD[2:]] == [201, 201, 201]


def test_the_refusal_is_in_spanish_for_a_spanish_caller(client):
    fill_the_phone(client)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        refused = post(client, headers={"Accept-Language": "es"}, **SIXTH)
    assert refused.status_code == 429
    assert refused.json()["errors"]["phone"] == [
        "Este número de teléfono ya pidió ayuda 5 veces en las últimas 24 horas, lo máximo que aceptamos. "
        "Puede volver a pedirla más tarde, o recibir ayuda gratuita ahora del Centro de Llamadas del Mercado "
        "al 1-800-318-2596 (TTY: 1-855-889-4325)."
    ]


def test_the_log_says_a_request_was_refused_without_the_number(client, caplog):
    fill_the_phone(client)
    with caplog.at_level(logging.WARNING, logger="intake.services"):
        with time_machine.travel(WEEKDAY_MORNING, tick=False):
            post(client, **SIXTH)
    assert [record.getMessage() for record in caplog.records if record.name == "intake.services"] == [
        "intake refused a request: its phone number made 5 requests in 24 hours"
    ]
    assert "0134" not in caplog.text and "Tomás" not in caplog.text


def test_the_page_says_why_above_the_form_and_keeps_what_was_typed(client):
    fill_the_phone(client)
    before = stored()
    spanish = Client(headers={"Accept-Language": "es"})
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        key = spanish.get("/").context["request_key"]
        refused = spanish.post("/", {**consumer(**SIXTH), "consent": "on", "request_key": key})
    assert (refused.status_code, refused["Retry-After"]) == (429, str(24 * 3600))
    [why] = refused.context["form"].non_field_errors()
    assert why.startswith("Este número de teléfono ya pidió ayuda 5 veces")
    html = refused.content.decode()
    alert = html[html.index('role="alert"') : html.index("</div>", html.index('role="alert"'))]
    assert "Este número de teléfono ya pidió ayuda 5 veces" in alert
    assert "Corrija los campos" not in html  # nothing on the form is wrong
    assert 'value="Tomás"' in html and 'value="602-555-0134"' in html
    assert stored() == before
