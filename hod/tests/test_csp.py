"""The Content Security Policy: every page carries it, and in a real browser a script slipped
into a page, as a cross-site-scripting flaw would slip one in, does not run, while the
site's own scripts all do (the browser tests of each page also watch for refusals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from hod.testing import policy_refusals, sign_in_operator, signed_in

if TYPE_CHECKING:
    from django.http import HttpResponse
    from playwright.sync_api import Browser, Page

INJECT = """() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = "script"';
    document.body.append(script);
    document.body.insertAdjacentHTML('beforeend', '<img src="/nowhere.png" onerror="window.injected = \\'handler\\'">');
    document.body.insertAdjacentHTML(
        'beforeend', '<p id="restyled" style="color: rgb(1, 2, 3)">Accept</p><style>main { display: none }</style>');
}"""


def watched_page(browser: Browser) -> tuple[Page, list[str]]:
    """A page in a fresh browser context, and what the policy will refuse in it."""
    context = browser.new_context()
    refused = policy_refusals(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page, refused


def policy(response: HttpResponse) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def assert_strict(response: HttpResponse) -> None:
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]  # no inline code, no other site's
    assert directives["style-src"] == ["'self'"]  # no inline styles: markup cannot restyle a page
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/help/", "/accounts/login/", "/api/docs", "/api/openapi.json"])
def test_public_pages_and_the_api_carry_the_policy(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.django_db
def test_the_agents_and_the_operators_pages_carry_the_policy() -> None:
    _ana, agent = signed_in("Ana")
    for path in ["/referrals/", "/availability/", "/profile/", "/metrics/"]:
        response = agent.get(path)
        assert response.status_code == 200, path
        assert_strict(response)
    operator = Client()
    sign_in_operator(operator)
    for path in ["/admin/", "/admin/operations/", "/admin/referrals/referral/"]:
        response = operator.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


@pytest.mark.django_db
def test_only_the_offline_page_may_style_itself_and_it_shows_nothing_of_anyones() -> None:
    """The installed app keeps that one page for when the phone has no connection, without
    its stylesheet, so its few styles are inline; everything else about its policy is the
    same, and it holds only its own fixed words."""
    response = Client().get("/offline/")
    offline, help_page = policy(response), policy(Client().get("/help/"))
    assert offline.pop("style-src") == ["'self'", "'unsafe-inline'"]
    assert help_page.pop("style-src") == ["'self'"]
    assert offline == help_page  # as strict as any page in everything else: no inline script
    page = response.content.decode()
    assert "<form" not in page and "<script" not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_script_slipped_into_a_page_does_not_run(live_server: Any, browser: Browser) -> None:
    page, refused = watched_page(browser)
    page.goto(f"{live_server.url}/")
    page.evaluate(INJECT)
    page.wait_for_function("() => document.querySelector('img[src=\"/nowhere.png\"]').complete")
    assert page.evaluate("() => window.injected") is None
    assert any("inline script" in text for text in refused)  # the browser says why
    assert any("inline event handler" in text for text in refused)
    # Nor does markup restyle the page: no hidden content, no look-alike buttons.
    assert page.evaluate("() => getComputedStyle(document.getElementById('restyled')).color") != "rgb(1, 2, 3)"
    assert page.locator("main").is_visible()
    assert any("inline style" in text for text in refused)
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_api_docs_run_from_this_site_alone(live_server: Any, browser: Browser) -> None:
    page, refused = watched_page(browser)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/docs")
    page.get_by_text("/api/v1/referrals", exact=True).first.wait_for()
    assert refused == []
    assert all(url.startswith(live_server.url) for url in requests), requests
    page.context.close()
