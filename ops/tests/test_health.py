"""Health checks: a load balancer asks whether a web process's database answers; monitoring
asks whether the dispatchers keep up. Both answer in counts and seconds, never about whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client

from hod.testing import WEEKDAY_MORNING, consumer, make_agent, request_referral
from notifications import outbox
from notifications.models import Message, Priority
from referrals.models import Offer, Outcome
from routing.dispatcher import Dispatcher

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
CARMEN = consumer()


def health(path: str, at) -> tuple[int, dict]:
    with time_machine.travel(at, tick=False):
        response = Client().get(path)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_a_web_process_is_healthy_while_its_database_answers():
    assert health("/healthz", NOW) == (200, {"status": "ok", "database": "ok"})


def test_a_database_that_does_not_answer_makes_both_checks_fail():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        assert health("/healthz", NOW) == (503, {"status": "unavailable", "database": "unreachable"})
        status, body = health("/healthz/dispatch", NOW)
    assert (status, body["database"]) == (503, "unreachable")


def test_an_offer_left_a_minute_past_its_deadline_means_the_dispatchers_are_behind():
    make_agent("Ana", zip_code="85003", languages=["es"])
    make_agent("Diego", zip_code="85701", languages=["es"])
    referral = request_referral(NOW)
    Dispatcher(clock=lambda: NOW).run_once()  # the notices go out; the offer waits on Ana
    deadline = NOW + timedelta(minutes=15)

    status, body = health("/healthz/dispatch", deadline + timedelta(seconds=59))
    assert (status, body["status"], body["offers_overdue"]) == (200, "ok", 0)

    status, body = health("/healthz/dispatch", deadline + timedelta(seconds=60))
    assert (status, body["status"]) == (503, "behind")
    assert body["offers_overdue"] == 1
    assert body["oldest_offer_overdue_seconds"] == 60
    assert body["messages_overdue"] == 0

    # A dispatcher runs again: Ana's offer lapses, Diego's is new; all is well.
    Dispatcher(clock=lambda: deadline + timedelta(seconds=60)).run_once()
    assert Offer.objects.get(referral=referral, outcome=Outcome.PENDING).agent.first_name == "Diego"
    status, body = health("/healthz/dispatch", deadline + timedelta(seconds=61))
    assert (status, body["status"], body["offers_overdue"], body["oldest_offer_overdue_seconds"]) == (
        200,
        "ok",
        0,
        None,
    )


def test_an_urgent_message_unsent_two_minutes_past_due_is_behind_and_a_bulk_one_is_not():
    outbox.enqueue("email", "ana@agents.example", "test_text", {}, NOW)
    status, body = health("/healthz/dispatch", NOW + timedelta(seconds=119))
    assert (status, body["messages_overdue"]) == (200, 0)
    status, body = health("/healthz/dispatch", NOW + timedelta(seconds=120))
    assert (status, body["status"], body["messages_overdue"], body["oldest_message_overdue_seconds"]) == (
        503,
        "behind",
        1,
        120,
    )

    Message.objects.update(priority=Priority.BULK)  # a safety-net notice: paced on purpose
    status, body = health("/healthz/dispatch", NOW + timedelta(hours=1))
    assert (status, body["status"], body["messages_overdue"]) == (200, "ok", 0)


def test_the_answers_name_nobody_and_take_only_get():
    make_agent("Ana", zip_code="85003", languages=["es"])
    request_referral(NOW)  # its notices are left queued: the dispatchers are behind
    later = NOW + timedelta(minutes=30)
    status, body = health("/healthz/dispatch", later)
    assert status == 503
    assert set(body) == {
        "status",
        "database",
        "offers_overdue",
        "oldest_offer_overdue_seconds",
        "messages_overdue",
        "oldest_message_overdue_seconds",
        "offer_lag_allowed_seconds",
        "message_lag_allowed_seconds",
    }
    text = str(body)
    for personal in (CARMEN["first_name"], CARMEN["last_name"], "602", "Ana", "85003"):
        assert personal not in text
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/healthz/dispatch").status_code == 405
