from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents.admin import AgentAdmin
from agents.models import Agent
from eligibility.models import Coverage
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, sign_in_operator
from notifications.models import Message
from notifications.rendering import render
from referrals.models import Event, Offer, Outcome

pytestmark = pytest.mark.django_db


def change_form(client, agent: Agent) -> tuple[str, dict[str, object]]:
    """The agent's admin change page as an operator signed in with `client` would post it back."""
    url = f"/admin/agents/agent/{agent.pk}/change/"
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
    data.update(languages=agent.languages, excluded_states=agent.excluded_states)
    return url, data


def test_suspending_an_agent_in_the_admin_stops_their_referrals_at_once(client):
    ana = make_agent("Ana", languages=["es"])
    assert Coverage.objects.filter(agent=ana).exists()
    op = sign_in_operator(client)
    url, data = change_form(client, ana)
    data.update(
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
    # Who did it is kept, and the agent is told on every channel of their contact method.
    assert ana.suspended_by == "op"
    suspended = Event.objects.get(kind="suspended", agent_id=ana.pk)
    assert suspended.actor == f"operator:{op.pk}" and suspended.data["reason"] == "Missed five referrals in a week"
    notices = Message.objects.filter(agent=ana, template="suspended")
    assert sorted(m.channel for m in notices) == ["email", "push", "sms"]
    body = render(notices.get(channel="email"), ana.time_zone).body
    assert body.startswith("The Help On Demand program office suspended your participation")
    assert "Missed five" not in body  # the operators' own words stay with the operators


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


def test_clearing_the_suspension_in_the_admin_reinstates_the_agent(client):
    ana = make_agent("Ana", languages=["es"], suspended_at=WEEKDAY_MORNING, suspended_by="policy")
    assert ana.ineligibility == ["suspended_for_misses"] and not Coverage.objects.filter(agent=ana).exists()
    sign_in_operator(client)
    url, data = change_form(client, ana)
    data.pop("suspended_at_0"), data.pop("suspended_at_1")
    back = WEEKDAY_MORNING + timedelta(hours=2)
    with time_machine.travel(back, tick=False):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ana.refresh_from_db()
    assert (ana.suspended_at, ana.suspended_by, ana.reinstated_at) == (None, "", back)
    assert ana.eligible and Coverage.objects.filter(agent=ana).exists()
    assert Event.objects.get(kind="reinstated", agent_id=ana.pk).data == {"suspended_by": "policy"}
    assert Message.objects.filter(agent=ana, template="reinstated").count() == 3


@pytest.mark.parametrize(
    ("path", "action"),
    [("/admin/agents/agent/", "reinstate"), ("/admin/agents/agent/", "delete_selected"),
     ("/admin/auth/user/", "delete_selected")],
)  # fmt: skip
def test_a_list_action_on_a_forged_selection_is_turned_back_and_changes_nothing(client, path, action):
    """Ours and the libraries' lists alike: it was a 500 when the action read its rows."""
    ana = make_agent("Ana", languages=["es"], suspended_at=WEEKDAY_MORNING, suspended_by="policy")
    sign_in_operator(client)
    users = list(get_user_model().objects.values_list("pk", flat=True))
    answer = client.post(path, {"action": action, "_selected_action": [str(ana.pk), "1 OR 1=1"]}, follow=True)
    assert answer.status_code == 200
    assert "The selected rows were not understood. Select them again." in answer.content.decode()
    ana.refresh_from_db()
    assert ana.suspended_at == WEEKDAY_MORNING  # not reinstated, not deleted
    assert list(get_user_model().objects.values_list("pk", flat=True)) == users


def test_the_reinstate_action_still_reinstates_a_true_selection(client):
    ana = make_agent("Ana", languages=["es"], suspended_at=WEEKDAY_MORNING, suspended_by="policy")
    sign_in_operator(client)
    answer = client.post(
        "/admin/agents/agent/", {"action": "reinstate", "_selected_action": [str(ana.pk)]}, follow=True
    )
    assert "1 agent reinstated." in answer.content.decode()
    ana.refresh_from_db()
    assert ana.suspended_at is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", "es", None),  # one code, as the raw JSON box took it (and stored the text "es")
        ("languages", "xx", "Select a valid choice."),
        ("languages", [], "This field is required."),
        ("excluded_states", "ZZ", "Select a valid choice."),
        ("zip_code", "00000", "This ZIP code does not exist."),
        ("zip_code", "abc", "Enter a five-digit ZIP code."),
        ("time_zone", "Mars/Base", "Select a valid choice."),
        ("time_zone", "Europe/Paris", "Select a valid choice."),
        ("phone", "12", "Enter a U.S. phone number"),
        ("npn", "abc", "An NPN is 1 to 10 digits."),
        ("resident_state", "ZZ", "Select a valid choice."),
    ],
)
def test_an_operators_edit_that_routing_could_not_use_is_refused_naming_the_field(client, field, value, message):
    """The admin's raw boxes stored a language list typed as text, a ZIP with no place, a
    time zone no agent is in; routing then failed on the agent (a number typed as the
    languages was a 500)."""
    ana = make_agent("Ana", languages=["es"])
    sign_in_operator(client)
    url, data = change_form(client, ana)
    before = Agent.objects.filter(pk=ana.pk).values().get()
    data[field] = value
    answer = client.post(url, data)
    if message is None:  # a single code is a list of one
        assert answer.status_code == 302
        assert Agent.objects.get(pk=ana.pk).languages == ["es"]
        return
    assert answer.status_code == 200
    errors = answer.context["adminform"].form.errors
    assert list(errors) == [field] and message in errors[field][0]
    assert Agent.objects.filter(pk=ana.pk).values().get() == before


def test_an_operator_moving_an_agent_moves_their_location_and_time_zone(client):
    ana = make_agent("Ana", languages=["es"])  # Phoenix
    sign_in_operator(client)
    url, data = change_form(client, ana)
    data.update(zip_code="77002", excluded_states=[])
    assert client.post(url, data).status_code == 302
    ana.refresh_from_db()
    assert (ana.zip_code, ana.city, ana.zip_state, ana.time_zone) == ("77002", "Houston", "TX", "America/Chicago")
    assert round(ana.lat or 0, 1) == 29.8
