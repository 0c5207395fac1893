from __future__ import annotations

import pytest

from hod.testing import WEEKDAY_MORNING, consumer, make_agent, sign_in_operator
from intake.services import request_form, submit
from referrals.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    return client, sign_in_operator(client)


def new_referral():
    make_agent("Ana", languages=["es"])
    form = request_form(consumer(first_name="Zenaida"), WEEKDAY_MORNING)
    assert form.is_valid()
    return submit(form, WEEKDAY_MORNING)[0]


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
    audit = Event.objects.get(kind="personal_data_viewed")
    assert audit.actor == f"operator:{user.pk}"
    assert audit.referral == referral
