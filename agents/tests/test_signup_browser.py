"""Sign-up in headless Chromium: the page's own script (a file the Content Security Policy
allows, not inline code) ticks the password checklist as the agent types and sends the
browser's time zone (R-REG-4, R-AVAIL-1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import time_machine

from agents.onboarding import send_invitation
from agents.tests.test_onboarding import PASSWORD, invitation_path
from hod.testing import WEEKDAY_MORNING, make_agent, policy_refusals

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def test_the_checklist_ticks_as_the_agent_types_and_the_browsers_zone_is_kept(
    live_server: Any, browser: Browser
) -> None:
    ana = make_agent("Ana", registered=False)
    send_invitation(ana, WEEKDAY_MORNING)
    context = browser.new_context(locale="en-US", timezone_id="America/Chicago")
    refused = policy_refusals(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    with time_machine.travel(WEEKDAY_MORNING, tick=True):
        page.goto(f"{live_server.url}{invitation_path(ana)}")
        met = page.locator("#password-checklist li.met")
        assert met.count() == 3  # an empty password: no spaces, repeats or runs yet, and nothing else

        page.locator("#id_password1").press_sequentially("abcd")
        ticked = "rule => document.querySelector(`#password-checklist li[data-rule=${rule}]`).classList.contains('met')"
        assert page.evaluate(ticked, "lower") is True
        assert page.evaluate(ticked, "sequence") is False  # four in a row
        page.fill("#id_password1", "")
        page.locator("#id_password1").press_sequentially(PASSWORD)
        assert met.count() == page.locator("#password-checklist li").count()  # every rule met

        page.select_option("#id_preferred_contact", "email_only")
        page.fill("#id_phone", "602-555-0188")
        page.fill("#id_zip_code", "85004")  # Phoenix: the ZIP's zone would be Arizona's
        page.fill("#id_username", "anareyes")
        page.fill("#id_password2", PASSWORD)
        page.check("#id_accept_terms")
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector("text=Your registration is almost complete!")
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Chicago", "browser")
    assert refused == []
    context.close()
