"""An agent on a shared computer (a library, an office's front desk) signs out: the next
person at that browser cannot bring the consumers' names and numbers back with the Back
button, in a browser as shipped (its back/forward cache on), nor from its HTTP cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from portal.tests.test_browser import PASSWORD, sign_in
from routing import actions

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
CARMEN = ("Carmen", "(602) 555-0134")


def test_back_after_signing_out_shows_no_consumer(live_server: Any, browser_as_shipped: Browser) -> None:
    with time_machine.travel(WEEKDAY_MORNING, tick=True):
        user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
        ana = make_agent("Ana", user=user, languages=["es", "en"])
        referral = request_referral(timezone.now())
        assert actions.accept(referral.offers.get().pk, ana, timezone.now()) == actions.Result.ACCEPTED

        context = browser_as_shipped.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url)
        assert all(piece in page.inner_text("main") for piece in CARMEN)  # her details, to Ana

        page.locator("nav.account button[type=submit]").click()  # Log out
        page.wait_for_url(lambda url: "/referrals/" not in url)
        page.go_back(wait_until="commit")  # a page restored from the cache fires no load event
        page.wait_for_function("() => document.readyState === 'complete'")
        shown = page.content()
        assert not any(piece in shown for piece in CARMEN), f"Back after signing out showed {page.url}"
        assert "/accounts/login/" in page.url  # asked again, and refused without a session
        context.close()
