"""The agent API, and that consumer data reaches only the agent who accepted (R-SEC-1)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from agents.models import ApiToken
from eligibility.models import License, LineOfAuthority
from eligibility.services import refresh_agent
from hod.api import token_digest
from hod.testing import WEEKDAY_MORNING, consumer, make_agent
from referrals.models import ContactAttempt, Offer, Referral
from routing.actions import expire_due_offers
from routing.explain import ruled_out

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING
SECRETS = ("Carmen", "Ruiz", "+16025550134", "carmen@example.com")


def with_token(agent=None, *, staff=False) -> dict[str, str]:
    user = get_user_model().objects.create(username=f"u{secrets.token_hex(4)}", is_staff=staff)
    if agent is not None:
        agent.user = user
        agent.save(update_fields=["user"])
    token = secrets.token_urlsafe(16)
    ApiToken.objects.create(user=user, digest=token_digest(token))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cast():
    ana = make_agent("Ana", zip_code="85003", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    return ana, diego


def intake(client: Client) -> str:
    response = client.post("/api/v1/referrals", consumer(), content_type="application/json")
    assert response.status_code == 201
    return response.json()["id"]


def no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_a_pending_offer_shows_only_city_county_and_state(client, clock, cast):
    ana, _ = cast
    intake(client)
    response = client.get("/api/v1/agent/referrals", headers=with_token(ana))
    assert response.status_code == 200
    [row] = response.json()
    assert row["status"] == "pending"
    assert row["location"] == "Phoenix, Maricopa, AZ"
    assert row["consumer"] is None
    no_secrets(response.content.decode())


def test_accepting_reveals_the_consumer_to_the_winner_only(client, clock, cast):
    ana, diego = cast
    intake(client)
    offer = Offer.objects.get(agent=ana)
    ana_headers, diego_headers = with_token(ana), with_token(diego)
    clock.shift(timedelta(minutes=3))
    response = client.post(f"/api/v1/agent/offers/{offer.pk}/accept", headers=ana_headers)
    assert response.status_code == 200
    assert response.json()["offer"]["consumer"]["first_name"] == "Carmen"
    # Diego cannot accept Ana's offer, nor see anything of it.
    stolen = client.post(f"/api/v1/agent/offers/{offer.pk}/accept", headers=diego_headers)
    assert stolen.status_code == 404
    no_secrets(stolen.content.decode())
    no_secrets(client.get("/api/v1/agent/referrals", headers=diego_headers).content.decode())


def test_missed_and_rejected_referrals_show_no_consumer_data(client, clock, cast):
    ana, diego = cast
    intake(client)
    clock.shift(timedelta(minutes=15))
    expire_due_offers(timezone.now())
    diego_offer = Offer.objects.get(agent=diego)
    diego_headers = with_token(diego)
    rejected = client.post(f"/api/v1/agent/offers/{diego_offer.pk}/reject", headers=diego_headers)
    assert rejected.status_code == 200
    assert rejected.json()["offer"]["consumer"] is None
    no_secrets(rejected.content.decode())
    ana_rows = client.get("/api/v1/agent/referrals", headers=with_token(ana))
    # Ana missed the direct offer; the safety net now offers it to her again, by email.
    assert [(r["kind"], r["status"], r["status_label"]) for r in ana_rows.json()] == [
        ("safety_net", "pending", "Pending"),
        ("direct", "missed", "Missed"),
    ]
    no_secrets(ana_rows.content.decode())
    diego_rows = client.get("/api/v1/agent/referrals", headers=diego_headers)
    assert [(r["kind"], r["status"]) for r in diego_rows.json()] == [("safety_net", "pending"), ("direct", "rejected")]
    no_secrets(diego_rows.content.decode())


def test_the_safety_net_loser_sees_it_taken_without_data(client, clock):
    off = [{"on": False, "start": "08:00", "end": "17:00"}] * 7
    ana = make_agent("Ana", languages=["es"], weekly=off)
    emma = make_agent("Emma", languages=["en"], weekly=off)
    intake(client)
    ana_headers, emma_headers = with_token(ana), with_token(emma)
    emma_offer = Offer.objects.get(agent=emma)
    ana_offer = Offer.objects.get(agent=ana)
    assert client.post(f"/api/v1/agent/offers/{emma_offer.pk}/accept", headers=emma_headers).status_code == 200
    lost = client.post(f"/api/v1/agent/offers/{ana_offer.pk}/accept", headers=ana_headers)
    assert lost.status_code == 409
    assert lost.json()["result"] == "taken"
    assert lost.json()["offer"]["consumer"] is None
    no_secrets(lost.content.decode())
    no_secrets(client.get("/api/v1/agent/referrals", headers=ana_headers).content.decode())


def test_searching_by_name_never_reaches_referrals_of_others(client, clock, cast):
    ana, diego = cast
    intake(client)
    diego_headers, ana_headers = with_token(diego), with_token(ana)
    search = "/api/v1/agent/referrals/search"
    rows = client.post(search, {"first_name": "Carmen"}, content_type="application/json", headers=diego_headers)
    assert rows.json() == []
    # Even the pending offer to Ana cannot be found by name by Ana before she accepts.
    assert client.post(search, {"last_name": "Ruiz"}, content_type="application/json", headers=ana_headers).json() == []
    offer = Offer.objects.get(agent=ana)
    assert client.post(f"/api/v1/agent/offers/{offer.pk}/accept", headers=ana_headers).status_code == 200
    [found] = client.post(search, {"last_name": " ruiz "}, content_type="application/json", headers=ana_headers).json()
    assert found["consumer"]["first_name"] == "Carmen"
    assert (
        client.post(search, {"first_name": "Carmen"}, content_type="application/json", headers=diego_headers).json()
        == []
    )


def test_a_name_in_the_listings_address_is_refused_before_anything_is_searched(client, clock, cast):
    """An address is logged by every proxy on the way; a consumer's name goes in a body."""
    ana, _diego = cast
    intake(client)
    headers = with_token(ana)
    offer = Offer.objects.get(agent=ana)
    assert client.post(f"/api/v1/agent/offers/{offer.pk}/accept", headers=headers).status_code == 200
    answer = client.get("/api/v1/agent/referrals?status=accepted&last_name=Ruiz", headers=headers)
    assert answer.status_code == 400
    [why] = answer.json()["errors"]["last_name"]
    assert why.startswith("A name is searched with POST /api/v1/agent/referrals/search, in its JSON body")
    assert "Ruiz" not in answer.content.decode() and "Carmen" not in answer.content.decode()
    misspelt = client.post(
        "/api/v1/agent/referrals/search", {"lastname": "Ruiz"}, content_type="application/json", headers=headers
    )
    assert misspelt.status_code == 400 and misspelt.json() == {
        "errors": {"lastname": ["This request has no such field."]}
    }


def test_status_changes_need_a_subcategory_and_belong_to_the_winner(client, clock, cast):
    ana, diego = cast
    referral_id = intake(client)
    ana_headers = with_token(ana)
    client.post(f"/api/v1/agent/offers/{Offer.objects.get(agent=ana).pk}/accept", headers=ana_headers)
    url = f"/api/v1/agent/referrals/{referral_id}/status"
    missing = client.post(url, {"status": "completed"}, content_type="application/json", headers=ana_headers)
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["completion"]
    bad = client.post(url, {"status": "deleted"}, content_type="application/json", headers=ana_headers)
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]
    mismatched = [
        client.post(url, body, content_type="application/json", headers=ana_headers)
        for body in (
            {"status": "in_progress", "completion": "qhp"},
            {"status": "completed", "completion": "qhp", "reason": "has_agent"},
        )
    ]
    assert [(answer.status_code, answer.json()) for answer in mismatched] == [
        (400, {"errors": {"completion": ["A completion goes only with the status completed."]}}),
        (400, {"errors": {"reason": ["A reason goes only with the status not_good."]}}),
    ]
    spanish = client.post(url, {"status": "in_progress", "completion": "qhp"}, content_type="application/json",
                          headers={**ana_headers, "Accept-Language": "es"})  # fmt: skip
    assert spanish.json()["errors"]["completion"] == ["Una forma de finalización solo acompaña al estado completed."]
    assert Referral.objects.get().status == "accepted"  # none of them changed it
    other = client.post(url, {"status": "in_progress"}, content_type="application/json", headers=with_token(diego))
    assert other.status_code == 404
    done = client.post(
        url, {"status": "completed", "completion": "qhp"}, content_type="application/json", headers=ana_headers
    )
    assert done.status_code == 200
    assert done.json()["offer"]["status"] == "completed"
    assert Referral.objects.get().completion == "qhp"


def test_contact_attempts_are_logged_by_the_winner_and_three_misses_suggest_not_a_good_referral(client, clock, cast):
    """The agent's app keeps the same contact-attempt log as Manage Referrals (R-STATUS-2)."""
    ana, diego = cast
    referral_id = intake(client)
    ana_headers, diego_headers = with_token(ana), with_token(diego)
    url = f"/api/v1/agent/referrals/{referral_id}/attempts"
    pending = client.post(url, {"method": "phone", "result": "no_answer"}, content_type="application/json",
                          headers=ana_headers)  # fmt: skip
    assert pending.status_code == 404  # not hers until she accepts
    client.post(f"/api/v1/agent/offers/{Offer.objects.get(agent=ana).pk}/accept", headers=ana_headers)

    answers = []
    for minutes, method in ((5, "phone"), (20, "text"), (45, "phone")):
        clock.move_to(NOW + timedelta(minutes=minutes))
        answers.append(
            client.post(
                url, {"method": method, "result": "no_answer"}, content_type="application/json", headers=ana_headers
            )  # fmt: skip
        )
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    first, last = answers[0].json()["offer"], answers[-1].json()["offer"]
    assert (first["status"], first["suggest_not_good"]) == ("in_progress", False)
    assert [(a["method"], a["result"]) for a in last["contact_attempts"]] == [
        ("phone", "no_answer"), ("text", "no_answer"), ("phone", "no_answer")
    ]  # fmt: skip
    assert last["contact_attempts"][0]["at"].startswith("2026-11-23T17:05:00")
    assert last["suggest_not_good"] is True
    [listed] = client.get("/api/v1/agent/referrals", headers=ana_headers).json()
    assert len(listed["contact_attempts"]) == 3 and listed["suggest_not_good"] is True

    refusals = [
        client.post(url, {"method": "pigeon", "result": "no_answer"}, content_type="application/json",
                    headers=ana_headers),
        client.post(url, {"method": "phone"}, content_type="application/json", headers=ana_headers),
        client.post(url, {"method": "phone", "result": "reached"}, content_type="application/json",
                    headers=diego_headers),
    ]  # fmt: skip
    assert [answer.status_code for answer in refusals] == [400, 400, 404]
    assert list(refusals[0].json()["errors"]) == ["method"] and list(refusals[1].json()["errors"]) == ["result"]
    no_secrets(refusals[2].content.decode())
    status = f"/api/v1/agent/referrals/{referral_id}/status"
    client.post(status, {"status": "not_good", "reason": "unreachable"}, content_type="application/json",
                headers=ana_headers)  # fmt: skip
    closed = client.post(url, {"method": "email", "result": "reached"}, content_type="application/json",
                         headers=ana_headers)  # fmt: skip
    assert closed.status_code == 400
    assert closed.json() == {"errors": {"referral": ["This referral is closed: its status is already set."]}}
    assert ContactAttempt.objects.count() == 3  # none of the refusals stored anything


def test_requests_without_a_valid_token_are_refused(client, clock, cast):
    intake(client)
    none = client.get("/api/v1/agent/referrals")
    assert none.status_code == 401 and none["WWW-Authenticate"] == 'Bearer realm="Help On Demand"'
    wrong = client.get("/api/v1/agent/referrals", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == 'Bearer realm="Help On Demand", error="invalid_token"'
    no_secrets(wrong.content.decode())
    assert client.get("/api/v1/agent/referrals", headers=with_token()).status_code == 403


def test_the_explanation_is_for_operators_and_holds_no_personal_data(client, clock):
    make_agent("Near", zip_code="85003", languages=["es"], weekly=[{"on": False, "start": "08:00", "end": "17:00"}] * 7)
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    make_agent("Emma", zip_code="85004", languages=["en"])
    make_agent("Untrained", zip_code="85004", languages=["es"], training_year=2026)
    referral_id = intake(client)
    url = f"/api/v1/ops/referrals/{referral_id}/explanation"
    assert client.get(url, headers=with_token(diego)).status_code == 403
    response = client.get(url, headers=with_token(staff=True))
    assert response.status_code == 200
    body = response.json()
    routed = next(item for item in body["timeline"] if item["event"] == "routed")
    assert routed["passed_over"][0]["reason"] == "day_off"
    assert routed["chosen"].startswith("Diego")
    assert body["offers"][0]["outcome"] == "pending"
    assert body["ruled_out"]["language_not_spoken"] == 1
    assert body["ruled_out"]["not_routable"][0]["reasons"] == ["no_training"]
    no_secrets(response.content.decode())


def test_the_explanation_says_why_an_eligible_agent_licensed_in_the_state_does_not_cover_it(client, clock):
    """Agents who may take part, licensed in Arizona, but not serving it: each has the rule."""
    make_agent("Diego", zip_code="85701", languages=["es"])
    make_agent("Deselected", zip_code="84101", states=("AZ", "UT"), excluded_states=["AZ"])
    make_agent("Resident", zip_code="84101", states=("AZ", "UT"), display_option=3)  # lives in Utah
    lapsed = make_agent("Lapsed", zip_code="84101", states=("AZ", "UT"))
    License.objects.filter(npn=lapsed.npn, state="AZ").update(active=False)
    refresh_agent(lapsed, WEEKDAY_MORNING)
    stale = make_agent("Stale", zip_code="84101", states=("UT",))
    arizona = License.objects.create(npn=stale.npn, state="AZ", number="AZ-stale")  # since the last refresh
    LineOfAuthority.objects.create(license=arizona, text="Health", is_health=True)
    referral_id = intake(client)
    body = client.get(f"/api/v1/ops/referrals/{referral_id}/explanation", headers=with_token(staff=True)).json()
    reasons = {row["agent"].split()[0]: row["reasons"] for row in body["ruled_out"]["not_routable"]}
    assert reasons == {
        "Deselected": ["state_deselected"],
        "Resident": ["display_option_3"],
        "Lapsed": ["license_inactive_in_state"],
        "Stale": ["not_yet_refreshed"],
    }
    assert body["ruled_out"]["not_routable_total"] == 4
    first_two = ruled_out(Referral.objects.get(public_id=referral_id), limit=2)
    assert len(first_two["not_routable"]) == 2 and first_two["not_routable_total"] == 4


def test_api_errors_speak_spanish_too(client, clock, cast):
    response = client.get("/api/v1/agent/referrals", headers={"Accept-Language": "es"})
    assert response.json()["detail"] == "Se requiere un token de portador válido."


def test_malformed_requests_name_the_field_and_why(client, clock, cast):
    """Every refusal of a malformed request has one shape, {"errors": {field: [why]}},
    whether the schema or a rule of ours refused it."""
    ana, _diego = cast
    headers = with_token(ana)

    def errors(response):
        assert response.status_code == 400, response.content
        return response.json()["errors"]

    listing = "/api/v1/agent/referrals"
    assert errors(client.get(f"{listing}?statuss=pending", headers=headers)) == {
        "statuss": ["unknown parameter: the filters are status, date_from, date_to, time_zone, limit, offset"]
    }
    assert errors(client.get(f"{listing}?date_to=0", headers=headers)) == {"date_to": ["Enter a date as YYYY-MM-DD."]}
    assert errors(client.get(f"{listing}?date_to=9999-12-31", headers=headers)) == {
        "date_to": ["Enter a date from 2000-01-01 to 2099-12-31."]
    }
    backwards = {"date_to": ["The To date is before the From date."]}
    assert errors(client.get(f"{listing}?date_from=2026-11-02&date_to=2026-11-01", headers=headers)) == backwards
    search = {"date_from": "2026-11-02", "date_to": "2026-11-01"}
    assert errors(client.post(f"{listing}/search", search, content_type="application/json", headers=headers)) == (
        backwards
    )
    assert client.get(f"{listing}?date_from=2026-11-01&date_to=2026-11-01", headers=headers).status_code == 200
    assert errors(client.get(f"{listing}?time_zone=Mars/Olympus", headers=headers)) == {
        "time_zone": ["unknown time zone"]
    }
    assert errors(client.get(f"{listing}?limit=501", headers=headers)) == {"limit": ["must be between 1 and 500"]}
    assert errors(client.get(f"{listing}?offset=-1", headers=headers)) == {"offset": ["must be between 0 and 100000"]}
    assert errors(client.get(f"{listing}?offset=1e3", headers=headers)) == {"offset": ["Enter a whole number."]}
    assert errors(client.post("/api/v1/referrals", '{"first_name": "Carmen",', content_type="application/json")) == {
        "body": ["The body is not JSON (line 1, column 25: Expecting property name enclosed in double quotes)."]
    }
    status = client.post(
        "/api/v1/agent/referrals/not-a-referral/status",
        {"status": "in_progress"},
        content_type="application/json",
        headers=headers,
    )
    assert list(errors(status)) == ["referral_id"]
    assert Referral.objects.count() == 0  # nothing stored by any of them


def test_the_malformed_request_messages_speak_spanish_too(client, clock, cast):
    ana, _diego = cast
    headers = {**with_token(ana), "Accept-Language": "es"}
    answer = client.get("/api/v1/agent/referrals?date_to=0&", headers=headers).json()
    assert answer["errors"]["date_to"] == ["Escriba la fecha como AAAA-MM-DD."]
    answer = client.get("/api/v1/agent/referrals?date_from=2026-11-02&date_to=2026-11-01", headers=headers).json()
    assert answer["errors"]["date_to"] == ["La fecha Hasta es anterior a la fecha Desde."]
    answer = client.get("/api/v1/agent/referrals?first_name=Carmen", headers=headers).json()
    assert answer["errors"]["first_name"][0].startswith("Un nombre se busca con POST /api/v1/agent/referrals/search")
    answer = client.post("/api/v1/referrals", "{", content_type="application/json", headers=headers).json()
    assert answer["errors"]["body"][0].startswith("El cuerpo no es JSON (línea 1, columna 2:")


def test_the_schemas_own_refusals_speak_the_callers_language(client, clock, cast):
    """A wrong type, a missing field, a value off the list: the same words in English and
    Spanish as the form's, not the framework's English."""
    ana, _diego = cast
    offers = "/api/v1/agent/offers/first/accept"
    for language, expected in (
        ("en", {"offer_id": ["Enter a whole number."]}),
        ("es", {"offer_id": ["Escriba un número entero."]}),
    ):
        answer = client.post(offers, headers={**with_token(ana), "Accept-Language": language})
        assert answer.status_code == 400 and answer.json()["errors"] == expected
    intake = client.post(
        "/api/v1/referrals",
        {"first_name": 7, "consent": "maybe"},
        content_type="application/json",
        headers={"Accept-Language": "es"},
    ).json()["errors"]
    assert intake["first_name"] == ["Escriba texto."]
    assert intake["last_name"] == intake["phone"] == intake["zip_code"] == ["Este campo es obligatorio."]
    assert intake["consent"] == ["Escriba true o false."]
    listing = client.get("/api/v1/agent/referrals?status=lost", headers=with_token(ana)).json()["errors"]
    assert listing == {
        "status": [
            "Choose one of: '', 'pending', 'accepted', 'rejected', 'in_progress', 'not_good', 'completed', "
            "'missed', 'taken', 'withdrawn'."
        ]
    }
    assert Referral.objects.count() == 0


def test_the_listings_days_are_the_agents_own_unless_another_zone_is_asked_for(client, clock, cast):
    """As on Manage Referrals: Ana works in Phoenix, so her days are Phoenix days. An offer
    made at 22:30 in Phoenix is on that day there, and on the next day in New York."""
    ana, _diego = cast
    intake(client)
    late_evening = NOW.replace(hour=5, minute=30)  # 22:30 the day before in Phoenix, 00:30 in New York
    Offer.objects.filter(agent=ana).update(offered_at=late_evening)
    headers = with_token(ana)

    def listed(query: str) -> int:
        response = client.get(f"/api/v1/agent/referrals?{query}", headers=headers)
        assert response.status_code == 200, response.content
        return len(response.json())

    assert ana.time_zone == "America/Phoenix"
    assert listed("date_from=2026-11-22&date_to=2026-11-22") == 1
    assert listed("date_from=2026-11-23&date_to=2026-11-23") == 0
    assert listed("date_from=2026-11-22&date_to=2026-11-22&time_zone=America/New_York") == 0
    assert listed("date_from=2026-11-23&date_to=2026-11-23&time_zone=America/New_York") == 1
