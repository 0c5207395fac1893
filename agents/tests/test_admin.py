from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents.admin import AgentAdmin
from agents.models import Agent
from eligibility.models import Coverage
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from referrals.models import Offer, Outcome

pytestmark = pytest.mark.django_db


def test_suspending_an_agent_in_the_admin_stops_their_referrals_at_once(client):
    ana = make_agent("Ana", languages=["es"])
    assert Coverage.objects.filter(agent=ana).exists()
    client.force_login(get_user_model().objects.create_superuser("op", "op@example.com", "Xy7!long-pass"))
    url = f"/admin/agents/agent/{ana.pk}/change/"
    form = client.get(url).context["adminform"].form
    data: dict[str, object] = {}
    for name, value in form.initial.items():
        if value is None or name == "user":
            continue
        if isinstance(value, datetime):  # the admin splits date and time into two inputs
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.time().isoformat()
        else:
            data[name] = value
    data.update(
        languages='["es"]',
        excluded_states="[]",
        suspended_at_0="2026-11-23",
        suspended_at_1="10:00:00",
        suspension_reason="Missed five referrals in a week",
    )
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ana.refresh_from_db()
    assert ana.ineligibility == ["suspended"]
    assert not Coverage.objects.filter(agent=ana).exists()


def test_suspending_in_the_admin_withdraws_the_pending_offer_and_routes_it_on():
    ana = make_agent("Ana", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    referral = request_referral(language="es")
    assert Offer.objects.get(referral=referral).agent_id == ana.pk
    ana.suspended_at = WEEKDAY_MORNING
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        AgentAdmin(Agent, site).save_model(None, ana, None, True)  # type: ignore[arg-type]
    assert Offer.objects.get(referral=referral, agent=ana).outcome == Outcome.WITHDRAWN
    assert Offer.objects.get(referral=referral, outcome=Outcome.PENDING).agent_id == diego.pk
