from __future__ import annotations

import inspect
import re
from datetime import timedelta
from pathlib import Path

import pytest

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral, sign_in_operator
from referrals.models import Event, Offer
from routing.actions import accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    return client, sign_in_operator(client)


def new_referral():
    make_agent("Ana", languages=["es"])
    return request_referral(WEEKDAY_MORNING, first_name="Zenaida")


def test_the_referral_list_shows_no_personal_data(operator_client):
    client, _ = operator_client
    new_referral()
    page = client.get("/admin/referrals/referral/").content.decode()
    assert "Phoenix, Maricopa, AZ" in page
    assert "Zenaida" not in page and "555-0134" not in page


def test_opening_a_referral_shows_its_explanation_and_is_audited(operator_client):
    client, user = operator_client
    referral = new_referral()
    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert "Routing explanation" in page
    assert "&quot;chosen&quot;: &quot;Ana Tester" in page
    assert "fingerprint" not in page and referral.fingerprint not in page  # a digest, nothing to read
    audit = Event.objects.get(kind="personal_data_viewed")
    assert audit.actor == f"operator:{user.pk}"
    assert audit.referral == referral


def test_the_explanation_reads_in_words_for_each_step_and_each_agent_left_out(operator_client):
    client, _user = operator_client
    off = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    make_agent("Near", zip_code="85004", languages=["es"], weekly=off, last_name="<b>Off</b>")
    make_agent("Deselected", zip_code="84101", states=("AZ", "UT"), excluded_states=["AZ"])
    make_agent("Emma", zip_code="85004", languages=["en"])
    referral = new_referral()  # Ana, in Phoenix too
    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert "<td>Request received</td>\n        <td>the consumer</td>" in page
    assert "<td>Routed</td>\n        <td>Help On Demand</td>" in page
    assert "Passed over Near &lt;b&gt;Off&lt;/b&gt; (NPN" in page and "0.0 miles away: day off" in page
    assert "Offered to Ana Tester (NPN" in page
    assert "1 agent who serves the state does not speak the consumer's language." in page
    assert "<td>state deselected by the agent</td>" in page
    assert "<b>Off</b>" not in page  # an agent's name is text, never markup

    client.cookies["django_language"] = "es"
    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert "<td>Solicitud recibida</td>" in page and "día libre" in page and "Ofrecida a Ana Tester (NPN" in page
    assert "<td>estado desmarcado por el agente</td>" in page
    offer = Offer.objects.get(referral=referral)
    assert accept(offer.pk, offer.agent, WEEKDAY_MORNING + timedelta(minutes=3)) == "accepted"
    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert "<td>Aceptada</td>\n        <td>el agente</td>" in page  # the referral: not "Aceptado", as a status
    assert "<td>Datos personales consultados</td>\n        <td>operador " in page


def test_every_reason_and_step_an_explanation_can_hold_has_words():
    from availability import rules as availability_rules
    from eligibility.rules import REASONS, STATE_REASONS
    from routing.explain import EVENT_LABELS, REASON_LABELS

    codes = set(REASONS) | set(STATE_REASONS) | {"not_yet_refreshed", "paused_after_miss"}
    codes |= set(re.findall(r'return "([a-z_]+)"', inspect.getsource(availability_rules.unavailable_reason)))
    assert codes - set(REASON_LABELS) == set()
    written = set(re.findall(r'(?:record|event)\(\s*"([a-z_]+)"', _sources()))
    assert written - set(EVENT_LABELS) == set()


def _sources() -> str:
    root = Path(__file__).resolve().parents[2]
    apps = ("agents", "availability", "eligibility", "intake", "notifications", "ops", "portal", "referrals", "routing")
    return "".join(p.read_text() for app in apps for p in (root / app).rglob("*.py") if "tests" not in p.parts)
