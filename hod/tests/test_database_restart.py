"""A web server keeps its database connections between requests (CONN_MAX_AGE). When
PostgreSQL drops them — a restart, a failover, an idle timeout in a pooler — the next
consumer must still be served, and the load balancer's health check must not report the
server dead: each kept connection is checked before a request uses it, and replaced. A
dispatcher likewise carries on, its LISTEN connection included."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection, transaction
from django.utils import timezone

from hod.testing import consumer, database_url, deployment_env, make_agent, wait_until
from hod.tests.test_serve import SERVE, free_port
from notifications import outbox
from notifications.models import Message, MessageState
from notifications.tests.test_dispatcher_processes import listening, start_dispatcher
from referrals.models import Referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
# The processes under test name their connections, so that only theirs are dropped and counted.
NAME = "hod-under-test"


def named_database_url() -> str:
    return f"{database_url()}?application_name={NAME}"


@pytest.fixture
def server(tmp_path: Path, reference_data: None) -> Iterator[str]:
    """The real web server on the test database, one request thread (so one kept
    connection), its pages and API at the URL it yields."""
    port = free_port()
    process = subprocess.Popen(
        (*SERVE, "--threads", "1"),
        cwd=Path(__file__).resolve().parents[2],
        env=deployment_env(tmp_path, PORT=str(port), DATABASE_URL=named_database_url(), LOG_LEVEL="ERROR"),
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        assert wait_until(up, 60), "the server never answered"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def drop_the_servers_connections() -> int:
    """What a database restart does to the process under test: its connections end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [NAME],
        )
        return int(cursor.fetchone()[0])


def test_a_consumer_after_the_database_dropped_the_connection_is_served(server: str) -> None:
    make_agent("Ana", languages=["es"])
    assert drop_the_servers_connections() == 1  # the one the server kept from its health check
    response = httpx.post(f"{server}/api/v1/referrals", json=consumer(), timeout=30)
    assert response.status_code == 201, response.text
    assert Referral.objects.get().public_id.hex == response.json()["id"].replace("-", "")


def test_the_health_check_after_the_database_dropped_the_connection_says_healthy(server: str) -> None:
    assert drop_the_servers_connections() == 1
    answer = httpx.get(f"{server}/healthz", timeout=30)
    assert answer.status_code == 200, answer.text


def test_a_dispatcher_carries_on_after_the_database_dropped_its_connections(
    tmp_path: Path, reference_data: None, stopped_at_end: list[Any]
) -> None:
    stopped_at_end.append(start_dispatcher(tmp_path, HOD_DISPATCH_POLL_SECONDS="1", DATABASE_URL=named_database_url()))
    assert wait_until(listening, 30), "the dispatcher never started listening"
    assert drop_the_servers_connections() >= 2  # its loops' connections and its LISTEN
    with transaction.atomic():
        outbox.enqueue("email", "ana@agents.example", "test_text", {}, timezone.now())
    assert wait_until(lambda: Message.objects.get().state == MessageState.SENT, 30), "never sent"
    assert "ana@agents.example" in (tmp_path / "outbox" / "email.log").read_text()
    assert wait_until(listening, 30), "it never listened again"
