"""A null character anywhere in a request's address, query or form is refused with a 400
that names where it was, before any view runs: PostgreSQL refuses it in text, so the
admin's list filters and object addresses answered 500 with one, and no person types it."""

from __future__ import annotations

import pytest
from django.core import serializers
from django.test import Client

from agents.models import Agent
from hod.testing import make_agent, request_referral, sign_in_operator, signed_in
from referrals.models import Referral
from referrals.tests.test_agent_api import with_token

pytestmark = pytest.mark.django_db


def stored() -> str:
    return serializers.serialize("json", [*Agent.objects.all(), *Referral.objects.all()])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/admin/referrals/referral/?status__exact=%00", "status__exact"),
        ("/admin/referrals/referral/?q=Carmen%00", "q"),
        ("/admin/referrals/referral/abc%00/change/", "address"),
        ("/admin/agents/agent/?lang%00=x", "lang\\0"),
        ("/admin/operations/?date_from=2026-11-01%00", "date_from"),
    ],
)
def test_the_operators_pages_refuse_it_naming_the_field(path: str, field: str) -> None:
    operator = Client()
    sign_in_operator(operator)
    answer = operator.get(path)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f"{field}: null characters are not allowed. Nothing was changed." in page
    assert "no-store" in answer["Cache-Control"]  # an answer to a signed-in operator, like every other


def test_an_agents_form_refuses_it_and_nothing_changes() -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    before = stored()
    answer = client.post("/profile/", {"phone": "602-555-0100\x00", "zip_code": "85004", "languages": ["en"]})
    assert answer.status_code == 400
    assert "phone: null characters are not allowed. Nothing was changed." in answer.content.decode()
    assert stored() == before
    client.cookies["django_language"] = "es"
    spanish = client.get("/referrals/?x=%00").content.decode()
    assert "x: no se admiten caracteres nulos. No se cambió nada." in spanish


def test_the_api_refuses_it_in_its_own_error_shape() -> None:
    ana = make_agent("Ana")
    answer = Client().get("/api/v1/agent/referrals?status=%00", headers=with_token(ana))
    assert answer.status_code == 400
    assert answer.json() == {"errors": {"status": ["Null characters are not allowed."]}}


def test_the_consumers_request_with_it_stores_nothing() -> None:
    make_agent("Ana")
    answer = Client().post("/", {"first_name": "Car\x00men", "last_name": "Ruiz", "phone": "602-555-0134",
                                  "zip_code": "85004", "language": "es", "consent": "on"})  # fmt: skip
    assert answer.status_code == 400
    assert "first_name: null characters are not allowed." in answer.content.decode()
    assert not Referral.objects.exists()
    assert request_referral().first_name == "Carmen"  # the same request without it goes through


def test_a_session_cookie_django_could_not_have_made_starts_a_new_session() -> None:
    """A cookie can carry a null character (as the escape \\000); every page was a 500."""
    _ana, client = signed_in("Ana")
    client.cookies["sessionid"] = "abcdefghijk\x00lmnop"
    assert client.get("/").status_code == 200
    answer = client.get("/referrals/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
