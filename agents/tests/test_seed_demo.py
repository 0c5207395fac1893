from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agents.demo import DEMO_PASSWORD, generate
from agents.models import Agent
from eligibility.models import Coverage
from hod.testing import WEEKDAY_MORNING
from referrals.models import Offer, Referral

pytestmark = pytest.mark.django_db


def test_the_same_seed_gives_the_same_population_and_another_seed_another():
    first = [(d.npn, d.place.zip_code, tuple(d.languages), tuple(d.licensed)) for d in generate(200, 4, 2027)]
    again = [(d.npn, d.place.zip_code, tuple(d.languages), tuple(d.licensed)) for d in generate(200, 4, 2027)]
    other = [(d.npn, d.place.zip_code, tuple(d.languages), tuple(d.licensed)) for d in generate(200, 5, 2027)]
    assert first == again
    assert [row[1:] for row in first] != [row[1:] for row in other]


def test_the_population_looks_like_the_country():
    drafts = list(generate(3000, 1, 2027))
    homes = Counter(d.place.state for d in drafts)
    assert homes["TX"] > 5 * homes["WY"]
    assert "OR" not in homes  # Oregon left HealthCare.gov for 2027
    spanish = sum("es" in d.languages for d in drafts) / len(drafts)
    assert 0.25 < spanish < 0.35
    assert {"vi", "zh", "ko", "ht"} <= {code for d in drafts for code in d.languages}
    assert all(1 <= len(d.licensed) <= 6 for d in drafts)
    assert 0 < sum(d.suspended for d in drafts) < 0.03 * len(drafts)
    assert len({d.place.time_zone for d in drafts}) >= 4


def test_seed_demo_creates_routable_agents_and_demo_sign_ins(client):
    out = StringIO()
    call_command("seed_demo", "--agents", "300", "--seed", "2", stdout=out)
    assert "Created 300 demo agents (seed 2)." in out.getvalue()
    assert "ana" in out.getvalue() and "Demo-Agent-2027!" in out.getvalue()
    assert Coverage.objects.values("agent").distinct().count() > 200
    response = client.post(
        "/api/v1/referrals",
        {
            "first_name": "Carmen",
            "last_name": "Ruiz",
            "phone": "602-555-0134",
            "zip_code": "85004",
            "language": "es",
            "consent": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Offer.objects.filter(referral__public_id=response.json()["id"]).exists()
    # --if-empty leaves a populated database alone, the demo referrals too.
    referrals = Referral.objects.count()
    call_command("seed_demo", "--if-empty", "--agents", "300", stdout=StringIO())
    assert Agent.objects.count() == 303 and Referral.objects.count() == referrals


@time_machine.travel(WEEKDAY_MORNING, tick=False)  # the history reaches two days back: one plan year
def test_the_demo_sign_ins_open_on_referrals_in_every_state_and_names_only_what_they_accepted(client):
    out = StringIO()
    call_command("seed_demo", "--agents", "300", "--seed", "2", stdout=out)
    assert "Created 9 demo referrals (3 waiting for an answer)." in out.getvalue()
    assert client.login(username="ana", password=DEMO_PASSWORD)
    page = client.get("/referrals/").content.decode()
    for accepted in ("Carmen Ruiz", "Jorge Salas", "Megan Price", "Luis Ortega"):
        assert accepted in page
    assert "Rosa" not in page and "Diaz" not in page  # waiting for Ana's answer: no name yet (R-SEC-1)
    statuses = dict(Referral.objects.filter(offers__agent__user__username="ana").values_list("last_name", "status"))
    assert statuses == {
        "Ruiz": "completed", "Salas": "in_progress", "Price": "not_good", "Ortega": "accepted", "Diaz": "offered",
    }  # fmt: skip
    waiting = Offer.objects.get(referral__last_name="Diaz")
    assert waiting.outcome == "pending" and waiting.expires_at > timezone.now()
    # Hector and Linh see their own, never Ana's.
    client.logout()
    assert client.login(username="linh", password=DEMO_PASSWORD)
    page = client.get("/referrals/").content.decode()
    assert "Thanh Nguyen" in page and "Carmen" not in page and "Mai" not in page


@pytest.mark.parametrize(("args", "message"), [(["--agents", "-1"], "--agents"), (["--seed", "1000"], "--seed")])
def test_seed_demo_refuses_bad_arguments_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args)
    assert not Agent.objects.exists()
