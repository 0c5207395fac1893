"""The API keeps the promises of its OpenAPI document (/api/openapi.json), whatever a
client sends: requests generated from the document itself, and requests that break it
(wrong types, missing fields, hostile strings, unparseable bodies, no token), each
answered with a status the document lists and a body of the shape it gives for that
status — never a server error, never a malformed request taken as good.

Schemathesis generates the requests and runs its checks on each answer. One check is
left out: that every request the document allows is accepted. Intake refuses ZIPs that
exist in no served state and agents may only act on their own offers; a schema cannot
say that, and the 400/404 answers that say it are themselves checked against the
document."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from agents.models import ApiToken
from hod.api import token_digest
from hod.testing import make_agent, request_referral
from hod.wsgi import application

# The document as the application serves it (no database needed to read it).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
TOKEN = secrets.token_urlsafe(16)


@schema.auth()
class AgentToken:
    """Ana's token on the requests that should carry one; schemathesis leaves it off, or
    spoils it, on those that test the refusal."""

    def get(self, case: Any, context: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def requests_in_the_test_transaction(db: Any) -> Iterator[None]:
    """Requests go straight to the WSGI application, not through Django's test client, so
    keep the test's transaction open as that client does: no closing of connections at the
    end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def agent_token(requests_in_the_test_transaction: None) -> str:
    """Ana, with an offer pending and her token: the agent endpoints reach real rows."""
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    ana.user = get_user_model().objects.create(username="ana")
    ana.save(update_fields=["user"])
    request_referral()
    ApiToken.objects.create(user=ana.user, digest=token_digest(TOKEN))
    return TOKEN


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_document_promises(case: Any, agent_token: str) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
