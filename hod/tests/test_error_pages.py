"""When something goes wrong, the visitor reads what happened and what to do next, in their
language, on a page of this site (not Django's bare English one); API clients get JSON."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import translation

from hod import views
from hod.testing import consumer, sign_in_operator
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def text(response: object) -> str:
    return response.content.decode().replace("&#x27;", "'")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "title", "home"),
    [
        ("en", "Page not found", 'go to <a href="/">Get Contacted</a>'),
        ("es", "Página no encontrada", 'vaya a <a href="/">Quiero que me contacten</a>'),
    ],
)
def test_a_mistyped_address_gets_a_page_that_leads_somewhere(language: str, title: str, home: str) -> None:
    page = Client(headers={"accept-language": language}).get("/get-contacted-now/")
    assert page.status_code == 404
    body = text(page)
    assert f"<h1>{title}</h1>" in body and home in body
    assert 'href="/referrals/"' in body  # agents find their way too


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en", "This API has no such address: its endpoints are listed at /api/docs."),
        ("es", "Esta API no tiene esa dirección: sus direcciones se enumeran en /api/docs."),
    ],
)
def test_an_unknown_api_address_answers_json_in_the_callers_language(language: str, detail: str) -> None:
    answer = Client(headers={"accept-language": language}).get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.content) == {"detail": detail}  # "Not Found", in English, before


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en", "GET is not allowed at this address; it takes POST."),
        ("es", "GET no se admite en esta dirección; admite POST."),
    ],
)
def test_a_method_an_api_address_does_not_take_answers_json_with_the_methods_it_does(
    language: str, detail: str
) -> None:
    """Before: 405 with the text "Method not allowed", the one API answer that was not JSON."""
    client = Client(headers={"accept-language": language})
    answer = client.get("/api/v1/referrals")
    assert answer.status_code == 405 and answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.content) == {"detail": detail} and answer.headers["Allow"] == "POST"
    both = client.delete("/api/v1/agent/availability", headers={"authorization": "Bearer no-such-token"})
    assert both.status_code == 405 and both.headers["Allow"] == "GET, PUT"  # in order, whatever the framework's
    assert not Referral.objects.exists()
    # Pages keep the framework's answer: only the API speaks JSON.
    assert Client().post("/healthz").headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("language", "title", "advice"),
    [
        ("en", "This page has expired", "Nothing was sent or changed."),
        ("es", "Esta página caducó", "No se envió ni se cambió nada."),
    ],
)
def test_a_stale_form_says_nothing_was_sent_and_stores_nothing(language: str, title: str, advice: str) -> None:
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    browser.get("/")  # the page, and its security cookie
    sent = browser.post("/", {**consumer(), "csrfmiddlewaretoken": "left-open-since-yesterday"})
    assert sent.status_code == 403
    body = text(sent)
    assert f"<h1>{title}</h1>" in body and advice in body
    assert "CSRF" not in body
    assert not Referral.objects.exists()


def test_a_stale_form_after_signing_in_elsewhere_gets_the_same_page() -> None:
    """The token turns over at sign-in, so a form in a tab opened before it is stale."""
    User.objects.create_user("ana", password="Tq8#vLm2zR")
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    stale = browser.cookies["csrftoken"].value
    browser.post("/accounts/login/", {"login": "ana", "password": "Tq8#vLm2zR", "csrfmiddlewaretoken": stale})
    answer = browser.post("/i18n/setlang/", {"language": "es", "csrfmiddlewaretoken": stale})
    assert answer.status_code == 403 and "This page has expired" in text(answer)


@pytest.mark.parametrize(
    ("language", "title", "call"),
    [
        ("en", "Something went wrong", "Marketplace Call Center at 1-800-318-2596 (TTY: 1-855-889-4325)"),
        ("es", "Algo salió mal", "Centro de Llamadas del Mercado al 1-800-318-2596 (TTY: 1-855-889-4325)"),
    ],
)
def test_a_server_failure_says_the_request_may_not_be_sent_and_where_else_to_get_help(
    django_assert_num_queries: object, language: str, title: str, call: str
) -> None:
    """The page a failing request ends on: it needs no database, which may be what failed."""
    with translation.override(language), django_assert_num_queries(0):  # type: ignore[operator]
        page = views.server_error(RequestFactory().post("/"))
    assert page.status_code == 500
    body = text(page)
    assert f"<h1>{title}</h1>" in body and call in body


def test_an_api_failure_answers_json_with_what_to_do() -> None:
    answer = views.server_error(RequestFactory().post("/api/v1/referrals"))
    assert answer.status_code == 500
    assert json.loads(answer.content)["detail"].startswith("Internal server error. Retry with the same Idempotency-Key")
    with translation.override("es"):
        spanish = views.server_error(RequestFactory().post("/api/v1/referrals"))
    assert json.loads(spanish.content)["detail"].startswith("Error interno del servidor. Vuelva a intentarlo")


def test_a_request_for_another_host_gets_a_page_not_a_stack() -> None:
    page = Client(HTTP_HOST="help-on-demand.example.net").get("/")
    assert page.status_code == 400
    assert "<h1>We could not understand this request</h1>" in text(page)


def test_an_operator_without_the_permission_is_told_so() -> None:
    operator = Client()
    user = sign_in_operator(operator)
    user.is_superuser = False
    user.save()
    page = operator.get("/admin/eligibility/importrun/add/")
    assert page.status_code == 403
    assert "<h1>You do not have access to this page</h1>" in text(page)
