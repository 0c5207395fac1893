"""An agent's day in headless Chromium, on a phone-sized and a desktop-sized window:
sign in, watch a referral's countdown, accept it without a reload, mark it completed,
see a new offer arrive by itself, switch Today's Availability. Screenshots go to
var/screenshots/ (a few are kept in docs/screenshots/ for the README)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from openpyxl import load_workbook

from availability.models import OutOfOffice
from hod.testing import WEEKDAY_MORNING, faint_text, make_agent, policy_refusals, request_referral, wait_until
from referrals.models import Offer, Referral, Status
from routing import actions

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from agents.models import Agent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
PASSWORD = "Tq8#vLm2zR"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WINDOWS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 860}}


@pytest.fixture
def server_clock(settings: Any) -> Iterator[None]:
    """The server (and the live server's thread) runs from a weekday morning; the browser's
    own clock does not, which is why the page counts down from the server's time."""
    settings.SESSION_COOKIE_AGE = 30 * 24 * 3600  # cookies must outlive any gap between the two clocks
    settings.HOD_PORTAL_REFRESH_SECONDS = 1
    with time_machine.travel(WEEKDAY_MORNING, tick=True):
        yield


def open_page(browser: Browser, window: str, locale: str = "en-US") -> Page:
    context = browser.new_context(viewport=WINDOWS[window], locale=locale)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "anareyes")
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url("**/referrals/")


# The row's shown lists whose widest choice, in the list's own font, is wider than the list
# less its padding and arrow (40 px).
CLIPPED_CHOICES = """() => [...document.querySelectorAll('#referral-rows select')].filter(list => {
    if (list.offsetParent === null) return false;  // not shown
    const pen = document.createElement('canvas').getContext('2d');
    pen.font = getComputedStyle(list).font;
    const widest = Math.max(...[...list.options].map(choice => pen.measureText(choice.text).width));
    return widest + 40 > list.getBoundingClientRect().width;
}).map(list => list.name)"""


# The chart's date labels as drawn: size on the screen in pixels, left and right edges.
CHART_DATES = """() => [...document.querySelectorAll('.chart > svg text')].map(text => {
    const box = text.getBoundingClientRect();
    return [parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a, box.left, box.right];
})"""


@pytest.mark.parametrize("window", ["phone", "desktop"])
def test_an_agents_day_without_a_reload(live_server: Any, browser: Browser, server_clock: None, window: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    ana = make_agent("Ana", user=user, languages=["es", "en"])
    referral = request_referral(timezone.now())
    page = open_page(browser, window)
    refused = policy_refusals(page.context)
    sign_in(page, live_server.url)

    row = page.locator("#referral-rows tr").first
    assert "Pending Referral" in row.inner_text() and "Phoenix, Maricopa, AZ" in row.inner_text()
    countdown = row.locator(".countdown")
    page.wait_for_function("el => /^1[45]:\\d\\d left$/.test(el.textContent)", arg=countdown.element_handle())
    first = countdown.inner_text()
    page.wait_for_function("([el, t]) => el.textContent !== t", arg=[countdown.element_handle(), first])
    assert re.fullmatch(r"1[45]:\d\d left", countdown.inner_text())  # it ticks, from the server's clock
    assert "Carmen" not in page.content()
    page.screenshot(path=str(SHOTS / f"manage-pending-{window}.png"), full_page=True)

    page.evaluate("window.__sameDocument = true")
    row.get_by_role("button", name="Accept").click()
    page.wait_for_selector("#referral-rows tr >> text=Carmen Ruiz")
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert "(602) 555-0134" in page.inner_text("#referral-rows")
    assert "Contact the consumer now" in page.inner_text("#referral-rows")
    expires = page.locator("#referral-rows tr", has_text="Carmen Ruiz").locator("td[data-label='Referral Expires']")
    assert expires.is_visible() is (window == "desktop")  # a phone's card shows no empty "Referral Expires:"

    completion = page.locator("#referral-rows select[name=completion]")
    assert not completion.is_visible()  # the subcategory appears with Referral Completed
    # Every status, reason and attempt choice reads in full in its list (they were clipped
    # to "Selected a Marketplace QH" on a desktop).
    assert page.evaluate(CLIPPED_CHOICES) == []
    page.select_option("#referral-rows select[name=status]", "not_good")
    assert page.evaluate(CLIPPED_CHOICES) == []
    page.select_option("#referral-rows select[name=status]", "completed")
    assert page.evaluate(CLIPPED_CHOICES) == []
    page.select_option("#referral-rows select[name=completion]", "medicaid")
    page.get_by_role("button", name="Save status").click()
    page.wait_for_selector("text=Status saved: Referral Completed.")
    assert Referral.objects.get(pk=referral.pk).status == Status.COMPLETED
    page.screenshot(path=str(SHOTS / f"manage-accepted-{window}.png"), full_page=True)

    # A new offer appears by itself.
    request_referral(timezone.now() + timedelta(seconds=1), first_name="Luis", phone="602-555-0199")
    page.wait_for_selector("#referral-rows tr >> text=Pending Referral")
    assert "Luis" not in page.content()

    # Today's Availability: off, then on again with the Stop Referrals time in red.
    switch = page.locator("#today-switch")
    assert switch.get_attribute("aria-checked") == "true"
    switch.click()
    page.wait_for_function("() => document.getElementById('today-switch').getAttribute('aria-checked') === 'false'")
    assert "Off" in switch.inner_text()
    # Luis's referral, offered a moment ago, is still hers to answer: the page says so where she looks.
    waiting = page.locator("#still-waiting")
    assert waiting.is_visible() and "still waits for your answer" in waiting.inner_text()
    # The page's own line follows the switch (it still said "receiving now" before).
    assert page.inner_text("#eligibility").startswith("You will next receive referrals on ")
    switch.click()
    dialog = page.locator("#stop-dialog")
    dialog.wait_for(state="visible")
    stop = page.locator("#stop-time")
    assert stop.inner_text() == "midnight"  # Ana's schedule runs all day
    assert stop.evaluate("el => getComputedStyle(el).color") == "rgb(181, 9, 9)"
    page.screenshot(path=str(SHOTS / f"availability-popup-{window}.png"))
    page.get_by_role("button", name="OK").click()
    dialog.wait_for(state="hidden")
    assert page.locator("#still-waiting").count() == 0  # on again: nothing to warn of
    assert page.inner_text("#eligibility") == "You are receiving referrals now, until midnight."
    ana.refresh_from_db()
    assert ana.schedule.override_on is True

    # View Metrics draws the day; Export Metrics downloads it as Excel, her consumer included.
    page.get_by_role("link", name="View Metrics").click()
    page.wait_for_selector("svg[role=img]")
    assert page.locator("dl.tiles").inner_text().split("\n")[:2] == ["Referrals received", "2"]
    # The dates under the bars read at 12 px or more on a phone too (9 px before), with space between them.
    dates = page.evaluate(CHART_DATES)
    assert len(dates) == 6 and min(size for size, _left, _right in dates) >= 12, dates
    assert all(left[2] + 4 <= right[1] for left, right in zip(dates, dates[1:], strict=False)), dates
    page.screenshot(path=str(SHOTS / f"metrics-{window}.png"), full_page=True)
    page.get_by_role("link", name="Export Metrics").click()
    page.select_option("#id_format", "xlsx")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "help-on-demand-referrals-2026-10-25-to-2026-11-23.xlsx"
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    names = [row[1] for row in book["Referrals"].iter_rows(min_row=2, values_only=True)]
    assert sorted(n or "" for n in names) == ["", "Carmen Ruiz"]  # Luis's offer is still pending
    assert refused == []  # everything above ran under the site's Content Security Policy
    page.context.close()


def test_the_portal_in_spanish_on_a_phone(live_server: Any, browser: Browser, server_clock: None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    make_agent("Ana", user=user, languages=["es", "en"], ui_language="es")
    request_referral(timezone.now())
    page = open_page(browser, "phone", locale="es-US")
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/profile/")
    page.select_option("#id_ui_language", "es")
    page.locator("form[action='/profile/'] button[type=submit]").click()
    page.wait_for_selector("text=Su perfil se guardó.")
    page.goto(f"{live_server.url}/referrals/")
    assert "Gestionar referencias" in page.inner_text("main")
    page.wait_for_function("() => /restantes$/.test(document.querySelector('.countdown').textContent)")
    assert page.get_by_role("button", name="Aceptar").is_visible()
    page.screenshot(path=str(SHOTS / "manage-pending-phone-es.png"), full_page=True)
    page.get_by_role("button", name="Aceptar").click()
    status = page.locator("#referral-rows select[name=status]")
    status.wait_for()
    phone = page.locator("#referral-rows a[href^='tel:']")
    assert phone.evaluate("el => el.getClientRects().length") == 1  # one line, not split at its hyphen
    for value in ("in_progress", "not_good", "completed"):  # the Spanish choices are the longest
        status.select_option(value)
        assert page.evaluate(CLIPPED_CHOICES) == [], value
    # Most of a year, charted by week, with Spanish dates: each reads, none runs into the next.
    page.goto(f"{live_server.url}/metrics/?date_from=2026-01-01&date_to=2026-11-23")
    dates = page.evaluate(CHART_DATES)
    assert page.locator(".chart > svg text").all_text_contents()[:2] == ["29 dic", "23 feb"], dates
    assert min(size for size, _left, _right in dates) >= 12, dates
    assert all(left[2] + 4 <= right[1] for left, right in zip(dates, dates[1:], strict=False)), dates
    page.screenshot(path=str(SHOTS / "metrics-phone-es.png"), full_page=True)
    page.context.close()


def test_the_installed_app_works_offline_and_shows_pushes(
    live_server: Any, browser: Browser, server_clock: None
) -> None:
    """R-PORTAL-5: the service worker takes over, the offline page appears without a
    connection, and a push message (delivered by Chromium itself) becomes a notification
    that opens the referral."""
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    make_agent("Ana", user=user, languages=["es", "en"])
    page = open_page(browser, "phone")
    refused = policy_refusals(page.context)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    sign_in(page, live_server.url)
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server.url}/"
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["start_url"] == "/referrals/" and manifest["display"] == "standalone"

    cdp = page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(r["registrationId"] for r in e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    state = ""
    for _round_trip in range(400):  # each call lets Playwright hand over the events that arrived
        # A push needs a worker that has finished activating (`ready` may still be activating).
        state = page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)")
        if registrations and state == "activated":
            break
    assert registrations, "Chromium reports the service worker's registration"
    assert state == "activated"
    push = {
        "title": "New Help On Demand referral",
        "body": "A consumer in Phoenix, Maricopa, AZ",
        "url": "/referrals/offers/7/",
    }
    message = {"origin": live_server.url, "registrationId": registrations[0], "data": json.dumps(push)}
    # Polled from here: `wait_for_function` takes the promise itself for a truthy answer.
    notifications = "navigator.serviceWorker.ready.then(r => r.getNotifications())"
    shown: list[list[str]] = []
    # Push services redeliver what was not acknowledged; Chromium's DevTools delivery, in full
    # runs of this suite, now and then shows nothing for one within 15 s (the worker active,
    # permission granted, the registration right: seen in CI), so the push is sent again, at
    # most three times in all; every notification shown must be this one.
    for _delivery in range(3):
        cdp.send("ServiceWorker.deliverPushMessage", message)
        if wait_until(
            lambda: (
                shown.extend(page.evaluate(f"{notifications}.then(n => n.map(x => [x.title, x.body, x.data.url]))"))
                or shown
            ),
            10,
        ):
            break
    assert shown, page.evaluate(  # what the next person needs to see if it ever fails again
        "navigator.serviceWorker.ready.then(r => JSON.stringify({worker: r.active && r.active.state, "
        "permission: Notification.permission, registrations: " + json.dumps(registrations) + "}))"
    )
    expected = ["New Help On Demand referral", "A consumer in Phoenix, Maricopa, AZ", "/referrals/offers/7/"]
    assert all(notification == expected for notification in shown), shown

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/referrals/")
    assert "No connection" in page.inner_text("h1")
    page.screenshot(path=str(SHOTS / "offline-phone.png"))
    page.context.set_offline(False)
    assert refused == []
    page.context.close()


PAGES = (
    "/",
    "/accounts/login/",
    "/referrals/",
    "/metrics/",
    "/metrics/export/",
    "/availability/",
    "/profile/",
    "/help/",
    "/offline/",  # what the installed app shows with no connection: the one page styled inline
    "/no-such-page/",  # the page a mistyped link ends on
)


@pytest.mark.parametrize("window", ["phone", "desktop"])
def test_every_page_meets_wcag_2_1_aa(live_server: Any, browser: Browser, server_clock: None, window: str) -> None:
    """Section 508: axe-core's WCAG 2.0 / 2.1 A and AA rules find nothing on any page, signed
    out and signed in, with a pending and an accepted referral in the list and an Out of
    Office to come (its Switch off button was white on white), in both languages."""
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    ana = make_agent("Ana", user=user, languages=["es", "en"])
    OutOfOffice.objects.create(agent=ana, starts_at=timezone.now() + timedelta(days=30), ends_at=None)
    accepted = request_referral(timezone.now())
    actions.accept(Offer.objects.get(referral=accepted).pk, ana, timezone.now())
    request_referral(timezone.now(), first_name="Luis", phone="602-555-0199")
    page = open_page(browser, window)
    refused = policy_refusals(page.context)
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    for language in ("en", "es"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for path in PAGES:
            if path == "/referrals/":
                sign_in(page, live_server.url)
            page.goto(f"{live_server.url}{path}")
            results = axe.run(page, options=options)
            assert results.violations_count == 0, f"{language} {path}\n{results.generate_report()}"
            assert faint_text(results) == [], f"{language} {path}: text the colour of its background"
        page.context.clear_cookies()
    assert refused == []  # every page works under the site's Content Security Policy
    page.context.close()

    # The keyboard alone: the first Tab reaches "Skip to main content", and Tab by Tab the
    # pending referral's Accept button, which Enter presses.
    page = open_page(browser, window)
    sign_in(page, live_server.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    for _step in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Accept":
            break
    else:
        raise AssertionError("Accept cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_selector("#referral-rows tr >> text=Luis Ruiz")
    page.context.close()


def availability_in(url: str, browser: Browser, time_zone: str) -> tuple[Agent, BrowserContext, Page]:
    """Ana, a Phoenix agent, on Availability Settings in a browser whose clock is `time_zone`."""
    user = User.objects.create_user("anareyes", email="ana@agents.example", password=PASSWORD)
    ana = make_agent("Ana", user=user, languages=["es", "en"])
    context = browser.new_context(viewport=WINDOWS["desktop"], timezone_id=time_zone)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, url)
    page.goto(f"{url}/availability/")
    return ana, context, page


def test_the_browsers_time_zone_is_offered_and_saved(live_server: Any, browser: Browser, server_clock: None) -> None:
    """R-AVAIL-1 in a real browser: a Phoenix agent whose computer is on Chicago time."""
    ana, context, page = availability_in(live_server.url, browser, "America/Chicago")
    assert "detected from your ZIP code" in page.locator("#time-zone").inner_text()
    notice = page.locator("#browser-time-zone")
    notice.wait_for(state="visible")
    assert "America/Chicago" in notice.inner_text()
    page.locator("form[action='/availability/'] button[type=submit]").click()
    page.wait_for_function("() => document.querySelector('#time-zone').textContent.includes('browser')")
    assert "Central Time (America/Chicago), detected from your browser" in page.locator("#time-zone").inner_text()
    assert page.locator("#browser-time-zone").is_hidden()  # nothing left to offer
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Chicago", "browser")
    context.close()


def test_a_browser_on_another_countrys_time_is_not_offered(
    live_server: Any, browser: Browser, server_clock: None
) -> None:
    """A laptop left on Paris time: no offer to use it, and saving keeps the ZIP's zone."""
    ana, context, page = availability_in(live_server.url, browser, "Europe/Paris")
    assert page.locator("#browser-time-zone").is_hidden()
    page.locator("form[action='/availability/'] button[type=submit]").click()
    page.wait_for_selector(".messages >> text=Your availability is saved.")
    assert "Arizona Time (America/Phoenix), detected from your ZIP code" in page.locator("#time-zone").inner_text()
    ana.refresh_from_db()
    assert (ana.time_zone, ana.time_zone_source) == ("America/Phoenix", "zip")
    context.close()
