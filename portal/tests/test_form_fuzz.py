"""Hostile and random input to every form an agent posts and every page that reads a query:
an answer below 500 each time, and a refusal (400) changes nothing that was stored.

Values mix the forms' own good values with what browsers never send but attackers do:
NUL characters (PostgreSQL refuses them in text), strings far over every length, right-to-
left and zero-width marks, markup, lists where one value is expected, and field names that
are not the form's. Run on SQLite and on PostgreSQL by the suite's two runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import serializers
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.models import Agent
from agents.onboarding import send_invitation
from availability.models import OutOfOffice, Schedule
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, sign_in_operator, signed_in
from notifications.models import Message, PushSubscription
from referrals.models import ContactAttempt, Offer, Outcome, Referral

pytestmark = pytest.mark.django_db

hostile = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\x00",
            "Ana\x00",
            "x" * 5000,
            "\u202eoN",
            "\u200b",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%00",
            "../../etc/passwd",
            "9" * 40,
            "-1",
            "0",
            "24:00",
            "25:61",
            "2026-02-30",
            "2026-11-23T25:00",
            "9999-12-31T23:59",
            "0001-01-01T00:00",
            "America/Phoenix\x00",
            "on",
            "",
        ]
    ),
)


def values(good: list[str]) -> st.SearchStrategy[Any]:
    """One field's value: a good one, a hostile one, or several at once."""
    one = st.one_of(st.sampled_from(good), hostile) if good else hostile
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


def forms(fields: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    named = st.fixed_dictionaries({}, optional={name: values(good) for name, good in fields.items()})
    extra = st.dictionaries(st.text(min_size=1, max_size=12), hostile, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, named, extra)


TIMES = ["08:00", "17:00", "00:00", "12:30"]
DAYS = {f"day-{day}-{part}": (["on"] if part == "on" else TIMES) for day in range(7) for part in ("on", "start", "end")}
MANAGEMENT = {
    "day-TOTAL_FORMS": ["7", "8", "0", "1000"],
    "day-INITIAL_FORMS": ["7"],
    "break-TOTAL_FORMS": ["0", "1", "2", "1001"],
    "break-INITIAL_FORMS": ["0"],
}
BREAKS = {"break-0-days": ["0", "4", "7"], "break-0-start": TIMES, "break-0-end": TIMES}
FORMS: dict[str, dict[str, list[str]]] = {
    "/referrals/": {
        "status": ["pending", "accepted", "missed", "completed"],
        "first_name": ["Carmen"],
        "last_name": ["Ruiz"],
        "date_from": ["2026-11-01", "0001-01-01"],
        "date_to": ["2026-11-30", "9999-12-31"],
        "time_zone": ["America/New_York", "America/Phoenix"],
    },
    "/referrals/{referral}/status/": {
        "status": ["in_progress", "completed", "not_good"],
        "completion": ["qhp", "other"],
        "reason": ["has_agent", "other"],
    },
    "/referrals/{referral}/attempts/": {"method": ["phone", "email", "text"], "result": ["no_answer", "reached"]},
    "/availability/": {**MANAGEMENT, **DAYS, **BREAKS, "browser_time_zone": ["America/Chicago"]},
    "/availability/today/": {"on": ["on", "off"], "stop_at": TIMES},
    "/availability/out-of-office/": {
        "starts_at": ["2026-11-24T08:00", "2026-11-23T10:00", "9999-12-31T23:00"],
        "ends_at": ["2026-11-25T08:00", "2026-11-20T08:00"],
        "no_end": ["on"],
        "confirm": ["yes"],
    },
    "/profile/": {
        "preferred_contact": ["email_only", "email_and_text", "all"],
        "phone": ["602-555-0100", "+1 (602) 555-0100"],
        "zip_code": ["85004", "10001", "00000"],
        "languages": ["en", "es", "vi", "xx"],
        "states": ["AZ", "TX", "ZZ"],
        "ui_language": ["en", "es"],
    },
}


def stored(agent: Agent) -> str:
    """What an agent's posts may change, as it stands in the database."""
    rows = [
        *Agent.objects.filter(pk=agent.pk),
        *Schedule.objects.filter(agent=agent),
        *OutOfOffice.objects.filter(agent=agent),
        *Referral.objects.all(),
        *Offer.objects.all(),
        *ContactAttempt.objects.all(),
        *PushSubscription.objects.filter(agent=agent),
    ]
    return serializers.serialize("json", rows)


@pytest.fixture(scope="module")
def clock() -> Any:
    with time_machine.travel(WEEKDAY_MORNING, tick=False) as traveller:
        yield traveller


def check(client: Client, agent: Agent, url: str, send: Callable[[], Any]) -> None:
    before = stored(agent)
    answer = send()  # the test client raises what a 500 would have hidden
    assert answer.status_code < 500, (url, answer.status_code)
    if answer.status_code == 400:
        assert stored(agent) == before, f"a refused post to {url} changed what was stored"


@pytest.mark.parametrize("path", list(FORMS))
def test_every_agent_form_refuses_hostile_input_and_keeps_what_was_stored(clock: Any, path: str) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    referral = request_referral(WEEKDAY_MORNING)
    offer = Offer.objects.get(referral=referral, outcome=Outcome.PENDING)
    client.post(f"/referrals/offers/{offer.pk}/accept/")
    url = path.format(referral=referral.public_id)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=forms(FORMS[path]), as_json=st.booleans())
    def post(data: dict[str, Any], as_json: bool) -> None:
        headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
        check(client, ana, url, lambda: client.post(url, data, **headers))

    post()


def test_a_push_subscription_refuses_any_hostile_body_and_keeps_what_was_stored(clock: Any) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), hostile),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(hostile, inner, max_size=3)),
        max_leaves=8,
    )
    bodies = st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "endpoint": st.one_of(st.just("https://push.example/send/abc"), json_values),
                "keys": st.one_of(st.fixed_dictionaries({"p256dh": hostile, "auth": hostile}), json_values),
            },
        ),
        json_values,
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(body=st.one_of(bodies.map(json.dumps), st.binary(max_size=40)))
    def post(body: str | bytes) -> None:
        url = "/push/subscriptions/"
        check(client, ana, url, lambda: client.post(url, body, content_type="application/json"))

    post()


QUERIES: dict[str, dict[str, list[str]]] = {
    "/metrics/": {"date_from": ["2026-11-01", "9999-12-01"], "date_to": ["2026-11-30", "2025-01-01", "9999-12-31"]},
    "/metrics/export/": {
        "date_from": ["2026-11-01", "9999-12-01"],
        "date_to": ["2026-11-30", "9999-12-31"],
        "format": ["csv", "xlsx", "pdf"],
    },
    "/admin/operations/": {"date_from": ["2026-11-01"], "date_to": ["2026-11-30", "2025-01-01", "9999-12-31"]},
    "/admin/operations/coverage/": {"state": ["AZ", "TX", "ZZ"], "language": ["es", "en", "xx"]},
    "/admin/referrals/referral/": {"q": ["Carmen"], "status__exact": ["pending", "x"], "o": ["1", "-2", "99"]},
    "/admin/referrals/event/": {"q": ["accepted"], "kind__exact": ["accepted", "x"], "p": ["1", "999"]},
}


@pytest.mark.parametrize("path", list(QUERIES))
def test_every_page_with_a_query_answers_hostile_ones_below_500(clock: Any, path: str) -> None:
    ana, client = signed_in("Ana", languages=["es", "en"])
    request_referral(WEEKDAY_MORNING)
    if path.startswith("/admin/"):
        sign_in_operator(client)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(query=forms(QUERIES[path]))
    def get(query: dict[str, Any]) -> None:
        check(client, ana, path, lambda: client.get(path, query))

    get()


SIGN_UP = {
    "preferred_contact": ["email_only", "email_text_app", "x"],
    "phone": ["(602) 555-0188", "555-0188"],
    "zip_code": ["85004", "99999"],
    "username": ["anareyes", "ana reyes", "admin"],
    "password1": ["Tq8#vLm2zR", "password"],
    "password2": ["Tq8#vLm2zR"],
    "accept_terms": ["on"],
    "browser_time_zone": ["America/Phoenix", "Mars/Base"],
}


def test_the_sign_up_and_terms_forms_refuse_hostile_input_and_keep_what_was_stored(clock: Any) -> None:
    """The invitation's sign-up (a stranger holding the link) and the terms page after it."""
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    join = str(Message.objects.filter(template="invitation", agent=ana).latest("pk").data["secret_path"])
    client = Client()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=forms(SIGN_UP))
    def sign_up(data: dict[str, Any]) -> None:
        users = get_user_model().objects.count()
        before = stored(ana)
        answer = client.post(join, data)
        assert answer.status_code < 500
        if answer.status_code in (400, 410):
            assert stored(ana) == before and get_user_model().objects.count() == users

    sign_up()
    _bea, signed = signed_in("Bea", languages=["es"], cms_terms_accepted_at=None)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=forms({"states": ["AZ", "TX", "ZZ"], "agree": ["on"], "decision": ["accept", "decline", "x"]}))
    def terms(data: dict[str, Any]) -> None:
        assert signed.post("/welcome/terms/", data).status_code < 500

    terms()
