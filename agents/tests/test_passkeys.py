"""Passkeys (R-REG-8): the real WebAuthn ceremonies, in headless Chromium.

Chromium's virtual authenticator (DevTools protocol) plays the phone's Face ID / Touch ID: a
platform authenticator that keeps discoverable credentials and verifies the user. The
server side is allauth.mfa with fido2, checking the real signatures and origin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User

from agents.models import Agent
from hod.testing import make_agent, policy_refusals

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
PASSWORD = "Tq8#vLm2zR"


@pytest.fixture
def ana() -> Agent:
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    return make_agent("Ana", user=user, email="ana@agents.example")


class Device:
    """A browser with a built-in authenticator, as on a phone or a laptop."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(locale="en-US")
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.refused = policy_refusals(self.context)  # allauth's passkey scripts under our policy
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("WebAuthn.enable")
        options = {
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
            "automaticPresenceSimulation": True,
        }
        self.authenticator = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]

    def credentials(self) -> list[dict[str, Any]]:
        answer = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator})
        return list(answer["credentials"])

    def sign_in_with_password(self, base: str) -> None:
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("#id_login", "anareyes")
        self.page.fill("#id_password", PASSWORD)
        self.page.get_by_role("button", name="Log in", exact=True).click()

    def add_key(self, base: str, *, passwordless: bool = True) -> None:
        """Profile → Add a passkey → password again → the device creates the key."""
        self.page.goto(f"{base}/profile/")
        self.page.click("#add-passkey")
        self.page.fill("#id_password", PASSWORD)
        self.page.get_by_role("button", name="Confirm").click()
        if not passwordless:
            self.page.uncheck("#id_passwordless")  # a plain security key: a second factor only
        self.page.click("#mfa_webauthn_add")
        self.page.wait_for_url("**/2fa/recovery-codes/")

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Log out").click()
        self.page.wait_for_url("**/")


@pytest.fixture
def device(browser: Browser) -> Iterator[Device]:
    device = Device(browser)
    yield device
    device.context.close()


def test_an_agent_adds_a_passkey_and_signs_in_with_it_alone(live_server: Any, device: Device, ana: Agent) -> None:
    page, base = device.page, live_server.url
    device.sign_in_with_password(base)
    page.wait_for_url("**/referrals/")
    page.click("text=Profile")
    assert "Once you add a passkey, signing in with your password also asks for it" in page.inner_text("#passkey-note")

    page.click("#add-passkey")
    page.wait_for_url("**/reauthenticate/**")  # the password again before adding a key
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/2fa/webauthn/add/")
    assert page.is_checked("#id_passwordless")
    page.click("#mfa_webauthn_add")
    page.wait_for_url("**/2fa/recovery-codes/")  # shown once, to keep for a lost device

    (stored,) = device.credentials()
    assert stored["isResidentCredential"] is True
    key = Authenticator.objects.get(user=ana.user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless is True

    device.log_out()
    page.goto(f"{base}/accounts/login/")
    page.click("#passkey_login")  # no username, no password: the device answers
    page.wait_for_url("**/referrals/")
    assert "Signed in as Ana Tester" in page.inner_text("main")
    assert device.credentials()[0]["signCount"] >= 1
    assert device.refused == []


def test_with_a_passkey_the_password_alone_is_not_enough(live_server: Any, device: Device, ana: Agent) -> None:
    page, base = device.page, live_server.url
    device.sign_in_with_password(base)
    page.wait_for_url("**/referrals/")
    device.add_key(base, passwordless=False)
    device.log_out()

    device.sign_in_with_password(base)
    page.wait_for_url("**/2fa/authenticate/")  # the password was right; the key is still asked
    page.goto(f"{base}/referrals/")  # not signed in until the key answers
    assert page.url.endswith("/accounts/2fa/authenticate/") and "Signed in as" not in page.content()
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url("**/referrals/")
    assert "Signed in as Ana Tester" in page.inner_text("main")
    assert device.refused == []


def test_a_passkey_removed_from_the_account_no_longer_signs_in(live_server: Any, device: Device, ana: Agent) -> None:
    page, base = device.page, live_server.url
    device.sign_in_with_password(base)
    page.wait_for_url("**/referrals/")
    device.add_key(base)
    device.log_out()

    Authenticator.objects.filter(user=ana.user, type=Authenticator.Type.WEBAUTHN).delete()
    page.goto(f"{base}/accounts/login/")
    page.click("#passkey_login")  # the device still offers its key; the server refuses it
    page.wait_for_selector("text=That passkey or recovery code was not accepted.")
    page.goto(f"{base}/referrals/")
    assert "/accounts/login/" in page.url
