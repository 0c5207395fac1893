"""From CMS files to a routed referral: invitation, sign-up, terms, sign-in (R-REG-1…7).

The whole path runs against a real SMTP server on loopback (aiosmtpd): the invitation is
read from the mail it received, exactly as an agent would.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from agents.models import Agent, Invitation
from agents.onboarding import send_invitation
from eligibility.importers import IMPORTERS, run_import
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from notifications.channels import locmem
from notifications.delivery import deliver_due
from notifications.models import Message
from notifications.tests.peers import Inbox
from referrals.models import Offer, Outcome

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PASSWORD = "Tq8#vLm2zR"


def import_samples() -> None:
    for kind, name in [("mlms", "mlms.csv"), ("ffm", "ffm_registration.csv"),
                       ("terminations", "ffm_terminations.csv"), ("licenses", "licenses.csv")]:  # fmt: skip
        path = SAMPLES / name
        assert run_import(IMPORTERS[kind](), lambda p=path: p.open("rb"), file_name=name).applied


def sign_up_form(**overrides: str) -> dict[str, str]:
    data = {
        "preferred_contact": "email_text_app",
        "phone": "(602) 555-0188",
        "zip_code": "85004",
        "username": "anareyes",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def invitation_path(agent: Agent) -> str:
    message = Message.objects.filter(template="invitation", agent=agent).latest("pk")
    return str(message.data["secret_path"])


# --- The whole path ---------------------------------------------------------------------


def test_import_to_invitation_email_to_signup_to_terms_to_a_referral(smtp: Inbox) -> None:
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        import_samples()
        deliver_due(timezone.now())
        invitations = {m["To"]: m for m in smtp.messages}
        assert set(invitations) == {"ana.reyes@agents.example", "bao.nguyen@agents.example"}
        body = invitations["ana.reyes@agents.example"].get_payload(decode=True).decode()
        assert "Hello Ana," in body and "expires in 48 hours" in body
        path = link_path(body)
        # Once sent, the link lives in the agent's mailbox only: the outbox forgets it.
        assert not Message.objects.filter(template="invitation", data__has_key="secret_path", state="sent").exists()

        client = Client()
        page = client.get(path)
        assert page.status_code == 200
        assert 'value="Ana"' in page.content.decode() and "ana.reyes@agents.example" in page.content.decode()
        done = client.post(path, sign_up_form())
        assert done.status_code == 302
        assert "Your registration is almost complete!" in client.get(done["Location"]).content.decode()
        assert client.get(path).status_code == 410  # single use

        deliver_due(timezone.now())
        welcome = next(m for m in smtp.messages if "account is ready" in m["Subject"])
        assert "Your username is anareyes" in welcome.get_payload(decode=True).decode()
        assert [m.body for m in locmem.outbox if m.channel == "sms"] == [
            "Help On Demand: this is your test message. New referrals will be texted to this number."
        ]

        ana = Agent.objects.get(npn="17000001")
        assert ana.ineligibility == ["registration_incomplete"]  # CMS terms still to accept
        signed_in = client.post("/accounts/login/", {"login": "anareyes", "password": PASSWORD})
        assert signed_in.status_code == 302
        assert client.get("/referrals/")["Location"] == "/welcome/terms/"  # nothing else until accepted
        terms = client.get("/welcome/terms/").content.decode()
        assert "English, Spanish" in terms
        assert 'value="AZ"' in terms and 'value="UT"' in terms
        client.post("/welcome/terms/", {"states": ["AZ"], "agree": "on", "decision": "accept"})

        ana.refresh_from_db()
        assert ana.eligible and ana.excluded_states == ["UT"]
        assert "You are receiving referrals now, until" in client.get("/referrals/").content.decode()
        referral = request_referral(language="es")
        assert Offer.objects.get(referral=referral, outcome=Outcome.PENDING).agent_id == ana.pk


def test_no_referral_is_routed_before_the_terms_are_accepted() -> None:
    ana = make_agent("Ana", languages=["es"], registered=False, registered_at=WEEKDAY_MORNING,
                     hod_terms_accepted_at=WEEKDAY_MORNING)  # fmt: skip
    referral = request_referral(language="es")
    assert not Offer.objects.filter(referral=referral, agent=ana).exists()


# --- Invitations ------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "status"), [(47.99, 200), (48, 410)])
def test_an_invitation_works_for_48_hours(hours: float, status: int) -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=hours), tick=False):
        page = Client().get(invitation_path(ana))
    assert page.status_code == status
    if status == 410:
        assert "This invitation link has expired" in page.content.decode()


def test_an_expired_link_asks_for_a_new_one_sent_to_the_mlms_email() -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    old = invitation_path(ana)
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=49), tick=False):
        page = Client().post(old.rstrip("/") + "/renew/")
        assert "A new link is on its way" in page.content.decode()
        new = invitation_path(ana)
        assert new != old and Client().get(new).status_code == 200
    assert Message.objects.filter(template="invitation", to=ana.email).count() == 2


def test_an_expired_link_does_not_send_another_while_a_newer_one_is_live() -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    old = invitation_path(ana)
    send_invitation(ana, WEEKDAY_MORNING + timedelta(hours=47))
    with time_machine.travel(WEEKDAY_MORNING + timedelta(hours=49), tick=False):
        page = Client().post(old.rstrip("/") + "/renew/")
    assert "A newer link was already sent" in page.content.decode()
    assert Message.objects.filter(template="invitation", to=ana.email).count() == 2


def test_unknown_link_is_a_clear_404() -> None:
    page = Client().get("/join/not-a-real-token/")
    assert page.status_code == 404 and "This invitation link is not valid" in page.content.decode()


def test_returning_agents_get_no_new_invitation_and_keep_their_sign_in() -> None:
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        import_samples()
        ana = Agent.objects.get(npn="17000001")
        Client().post(invitation_path(ana), sign_up_form())
        ana.refresh_from_db()
        ana.hod_training_plan_year = None  # next plan year: not yet trained again …
        ana.save()
        import_samples()  # … and the MLMS export says trained: eligible again
    assert Invitation.objects.filter(agent=ana).count() == 1
    assert Client().login(username="anareyes", password=PASSWORD)


# --- Sign-up form -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("browser", "zone", "source"),
    [
        ("America/Chicago", "America/Chicago", "browser"),
        ("", "America/Phoenix", "zip"),
        ("Europe/Paris", "America/Phoenix", "zip"),  # not a U.S. zone: the ZIP's
    ],
)
def test_sign_up_takes_the_browsers_time_zone_else_the_zips(browser: str, zone: str, source: str) -> None:
    """R-AVAIL-1: the page's script sends the browser's zone; without it, the ZIP's."""
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        page = Client().get(invitation_path(ana)).content.decode()
        # Filled by agents/join.js (run in Chromium by test_signup_browser.py).
        assert 'name="browser_time_zone"' in page and "/static/agents/join" in page
        done = Client().post(invitation_path(ana), sign_up_form(zip_code="85004", browser_time_zone=browser))
    assert done.status_code == 302
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == (zone, source)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("phone", "555", "Enter a U.S. phone number, like 602-555-0134."),
        ("zip_code", "00000", "This ZIP code does not exist."),
        ("preferred_contact", "pigeon", "Select a valid choice. pigeon is not one of the available choices."),
        ("username", "ana reyes", "Enter a valid username."),
        (
            "password1",
            "abcd1234",
            "The password must meet this rule: Contains no more than three sequential characters.",
        ),
        ("password2", "Tq8#vLm2zX", "The two passwords differ."),
        ("accept_terms", "", "You must agree to the Help On Demand Terms of Use to sign up."),
        (
            "browser_time_zone",
            "Mars/Olympus_Mons",
            "Your browser reported an unknown time zone (Mars/Olympus_Mons): nothing was saved.",
        ),
    ],
)
def test_sign_up_refuses_bad_input_with_the_reason_and_creates_nothing(field: str, value: str, error: str) -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        page = Client().post(invitation_path(ana), sign_up_form(**{field: value}))
    assert page.status_code == 400
    assert error in page.content.decode().replace("&#x27;", "'")
    assert not User.objects.exists()
    assert Invitation.objects.get(agent=ana).used_at is None


def test_the_sign_up_page_offers_exactly_the_four_contact_methods_and_the_checklist() -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        page = Client().get(invitation_path(ana)).content.decode()
    options = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', page)
    assert options == ["Email, Text &amp; App Notification", "Email &amp; Text", "Email &amp; App Notification",
                       "Email Only"]  # fmt: skip
    assert "With Email Only, referrals may be delayed or lost." in page
    for rule in ["Does not contain spaces", "Contains 8 to 20 characters", "Contains no more than three sequential"]:
        assert rule in page


def test_the_sign_up_page_is_in_spanish_too() -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        page = Client(headers={"accept-language": "es"}).get(invitation_path(ana)).content.decode()
    assert "Comience creando un perfil" in page and "No contiene espacios" in page


# --- Terms ------------------------------------------------------------------------------


def test_declining_the_terms_signs_out_and_routes_nothing() -> None:
    ana = make_agent("Ana", registered=False, registered_at=WEEKDAY_MORNING, hod_terms_accepted_at=WEEKDAY_MORNING,
                     user=User.objects.create_user("ana", password=PASSWORD))  # fmt: skip
    client = Client()
    client.login(username="ana", password=PASSWORD)
    page = client.post("/welcome/terms/", {"decision": "decline"}, follow=True)
    assert "You declined the Terms of Use" in page.content.decode()
    assert client.get("/referrals/").status_code == 302  # signed out
    ana.refresh_from_db()
    assert ana.cms_terms_accepted_at is None and not ana.eligible


def test_accepting_needs_the_box_and_a_state() -> None:
    make_agent("Ana", registered=False, registered_at=WEEKDAY_MORNING, hod_terms_accepted_at=WEEKDAY_MORNING,
               user=User.objects.create_user("ana", password=PASSWORD))  # fmt: skip
    client = Client()
    client.login(username="ana", password=PASSWORD)
    page = client.post("/welcome/terms/", {"decision": "accept"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "Tick the box to accept the Terms of Use, or choose Decline." in body
    assert "Choose at least one state to receive referrals." in body
    page = client.post("/welcome/terms/", {"decision": "accept", "agree": "on", "states": ["TX"]})
    assert "Select a valid choice. TX is not one of the available choices." in page.content.decode()


# --- Sign-in ----------------------------------------------------------------------------


@pytest.fixture
def ana() -> Agent:
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    return make_agent("Ana", user=user, email="ana@agents.example")


def test_lock_out_after_five_failures_with_a_clear_message(ana: Agent) -> None:
    client = Client()
    for _ in range(5):
        page = client.post("/accounts/login/", {"login": "anareyes", "password": "Wrong#Pass1"})
        assert "The username and/or password you specified are not correct." in page.content.decode()
    page = client.post("/accounts/login/", {"login": "anareyes", "password": PASSWORD})
    assert "this username is locked for 15 minutes" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_remember_my_username_fills_the_form_next_time(ana: Agent) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": "anareyes", "password": PASSWORD, "remember_username": "on"})
    assert client.cookies["hod_username"].value == "anareyes"
    client.post("/accounts/logout/")
    page = client.get("/accounts/login/").content.decode()
    assert 'value="anareyes"' in page
    assert 'Do not use "Remember my Username" on public or shared computers.' in page.replace("&quot;", '"')


def test_forgot_username_emails_it_and_tells_nobody_whether_it_exists(ana: Agent) -> None:
    known = Client().post("/accounts/forgot-username/", {"email": "ANA@agents.example"}, follow=True)
    unknown = Client().post("/accounts/forgot-username/", {"email": "who@nowhere.example"}, follow=True)
    assert "If that email belongs to an agent" in known.content.decode()
    assert "If that email belongs to an agent" in unknown.content.decode()
    deliver_due(timezone.now())
    assert [(m.to, "Your username: anareyes" in m.body) for m in locmem.outbox] == [("ana@agents.example", True)]


def test_forgot_username_sends_one_reminder_per_ten_minutes(ana: Agent) -> None:
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        for _ in range(3):
            Client().post("/accounts/forgot-username/", {"email": "ana@agents.example"})
    with time_machine.travel(WEEKDAY_MORNING + timedelta(minutes=11), tick=False):
        Client().post("/accounts/forgot-username/", {"email": "ana@agents.example"})
    assert Message.objects.filter(template="username").count() == 2


def test_forgot_password_resets_it_by_email(ana: Agent) -> None:
    client = Client()
    client.post("/accounts/password/reset/", {"email": "ana@agents.example"})
    (sent,) = mail.outbox
    reset = client.get(link_path(sent.body), follow=True)
    form_url = reset.redirect_chain[-1][0] if reset.redirect_chain else link_path(sent.body)
    weak = client.post(form_url, {"password1": "aaaa", "password2": "aaaa"})
    assert "Contains 8 to 20 characters" in weak.content.decode()
    client.post(form_url, {"password1": "Nw9$kPz3Lq", "password2": "Nw9$kPz3Lq"})
    assert Client().login(username="anareyes", password="Nw9$kPz3Lq")


def test_sessions_expire(ana: Agent, settings: Any) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": "anareyes", "password": PASSWORD})
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600


def test_a_suspended_or_ineligible_agent_is_told_why_on_sign_in(ana: Agent) -> None:
    ana.suspended_at = WEEKDAY_MORNING
    ana.save()
    from eligibility.services import refresh_agent

    refresh_agent(ana, WEEKDAY_MORNING)
    client = Client()
    client.post("/accounts/login/", {"login": "anareyes", "password": PASSWORD})
    page = client.get("/referrals/").content.decode()
    assert "You are not receiving referrals, because:" in page and "Your participation is suspended." in page
    # Availability Settings says so too, not "You are receiving referrals now" by her hours (it did).
    settings_page = client.get("/availability/").content.decode()
    assert "You are not receiving referrals, because: Your participation is suspended." in settings_page
    assert "You are receiving referrals now" not in settings_page
    switched = client.post("/availability/today/", {"on": "on"}, headers={"accept": "application/json"}).json()
    assert switched["receiving"] == "You are not receiving referrals, because: Your participation is suspended."
    # Switched on, the answer does not stop at "referrals stop at midnight", and the page's script
    # opens no "Referrals are on" dialog.
    assert switched["message"].endswith("You are not receiving referrals, because: Your participation is suspended.")
    assert switched["on"] is True and switched["eligible"] is False


def test_passkey_sign_in_and_enrolment_are_offered(ana: Agent) -> None:
    """The WebAuthn ceremonies themselves run in the browser (allauth.mfa with fido2)."""
    login = Client().get("/accounts/login/").content.decode()
    assert 'id="passkey_login"' in login and 'action="/accounts/2fa/webauthn/login/"' in login
    client = Client()
    client.post("/accounts/login/", {"login": "anareyes", "password": PASSWORD})
    assert 'href="/accounts/2fa/webauthn/add/"' in client.get("/profile/").content.decode()
    # Adding a key asks for the password again first (allauth's reauthentication).
    asked = client.get("/accounts/2fa/webauthn/add/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    client.post(asked["Location"], {"password": PASSWORD})
    enrol = client.get("/accounts/2fa/webauthn/add/").content.decode()
    assert '"creation_options": {"publicKey": {"rp": {"name": "testserver", "id": "testserver"}' in enrol
