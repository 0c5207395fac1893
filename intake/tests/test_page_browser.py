"""A consumer who presses Back after sending the Get Contacted page and sends it again, in a
browser as shipped: the page comes back as they left it, with its key, so the second send
finds the first request instead of calling a second agent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from hod.testing import make_agent
from referrals.models import Offer, Referral

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def test_back_and_send_again_makes_no_second_request(live_server: Any, browser_as_shipped: Browser) -> None:
    make_agent("Ana", languages=["es", "en"])
    context = browser_as_shipped.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/")
    page.fill("#id_first_name", "Carmen")
    page.fill("#id_last_name", "Ruiz")
    page.fill("#id_phone", "602-555-0134")
    page.fill("#id_zip_code", "85004")
    page.check("input[name=consent]")
    send = page.locator("main form button[type=submit]")
    send.click()
    page.wait_for_url("**/received/**")
    received = page.url

    page.go_back(wait_until="commit")  # restored from the back/forward cache: no load event
    send.wait_for()
    assert page.input_value("#id_first_name") == "Carmen"  # as the consumer left it
    send.click()
    page.wait_for_url("**/received/**")
    assert page.url == received  # the same request, the same reference
    assert Referral.objects.count() == 1 and Offer.objects.count() == 1
    context.close()
