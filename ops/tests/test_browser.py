"""The operator console in headless Chromium: signed in through the admin, the period form
and the coverage choice work as a browser submits them, and axe-core finds no WCAG 2.1 A/AA
violation in the console's own content."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User

from availability.models import default_weekly
from hod.testing import PASSWORD, WEEKDAY_MORNING, faint_text, make_agent, policy_refusals, request_referral

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def test_an_operator_reads_the_queue_the_levels_and_the_coverage(live_server: Any, browser: Browser) -> None:
    User.objects.create_superuser("op", "op@example.com", PASSWORD)
    make_agent("Ana", zip_code="85003", languages=["es"], weekly=default_weekly())
    with time_machine.travel(WEEKDAY_MORNING, tick=True):
        request_referral(WEEKDAY_MORNING, language="vi")  # nobody speaks it: the safety net
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        refused = policy_refusals(context)  # the admin's own scripts and styles, under our policy
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/admin/login/?next=/admin/operations/")
        page.fill("#id_username", "op")
        page.fill("#id_password", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/admin/operations/")
        assert "Consumers in the safety net 1" in " ".join(page.locator("#queue").inner_text().split())
        assert "Phoenix, Maricopa, AZ" in page.locator("#safety-net").inner_text()
        assert "Carmen" not in page.content()
        violations = Axe().run(page, context="#content-main", options=WCAG)
        assert violations.violations_count == 0, violations.generate_report()
        assert faint_text(violations) == []

        # A period the way the date inputs send it: the day before holds nothing.
        day_before = (WEEKDAY_MORNING - timedelta(days=1)).date().isoformat()
        page.fill("#id_date_from", day_before)
        page.fill("#id_date_to", day_before)
        page.locator("#period input[type=submit]").click()
        page.wait_for_url(f"**date_from={day_before}**")
        assert "Referrals received 0" in " ".join(page.locator("#levels").inner_text().split())

        page.locator("a[href='/admin/operations/coverage/']").click()
        page.select_option("#id_state", "AZ")
        page.select_option("#id_language", "es")
        page.locator("#choice input[type=submit]").click()
        page.wait_for_selector("#grid")
        assert page.locator("#grid td.nobody").count() > 0
        violations = Axe().run(page, context="#content-main", options=WCAG)
        assert violations.violations_count == 0, violations.generate_report()
        assert faint_text(violations) == []
        assert refused == []
        context.close()
