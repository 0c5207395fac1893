"""Help, Terms, Privacy, the offline page and the installable app's parts (R-PORTAL-1, R-PORTAL-5)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
FOOTER = ('href="/help/"', 'href="/terms/"', 'href="/privacy/"', "https://www.cms.gov/privacy",
          "https://localhelp.healthcare.gov/", "mailto:FFMProducer-AssisterHelpDesk@cms.hhs.gov")  # fmt: skip


@pytest.mark.parametrize(
    ("url", "english", "spanish"),
    [
        ("/help/", "Accept or reject within 15 minutes", "Acepte o rechace en un plazo de 15 minutos"),
        ("/terms/", "Help On Demand Terms of Use", "Condiciones de uso de Help On Demand"),
        ("/privacy/", "go only to the one agent who accepts it", "solo al agente que la acepte"),
    ],
)
def test_help_terms_and_privacy_are_open_to_all_in_both_languages(url: str, english: str, spanish: str) -> None:
    page = Client().get(url).content.decode()
    assert english in page and all(link in page for link in FOOTER)
    assert spanish in Client(headers={"accept-language": "es"}).get(url).content.decode()


def test_every_page_links_the_manifest_and_the_footer() -> None:
    for url in ("/", "/accounts/login/", "/help/"):
        page = Client().get(url).content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page, url
        assert all(link in page for link in FOOTER), url


def test_the_manifest_makes_an_installable_app_that_opens_on_manage_referrals() -> None:
    client = Client()
    answer = client.get("/manifest.webmanifest")
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = answer.json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/referrals/", "/", "standalone")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes and any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and b"".join(image.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    spanish = Client(headers={"accept-language": "es"}).get("/manifest.webmanifest").json()
    assert spanish["lang"] == "es" and "agentes" in spanish["description"]


def test_pages_that_name_no_icon_still_get_the_sites_own() -> None:
    """The operators' admin names no icon, so browsers ask for /favicon.ico."""
    answer = Client().get("/favicon.ico", follow=True)
    assert answer.redirect_chain[0][1] == 301
    assert b"".join(answer.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_service_worker_is_served_from_the_root_and_never_cached_stale() -> None:
    answer = Client().get("/sw.js")
    assert answer["Content-Type"].startswith("application/javascript")
    assert answer["Service-Worker-Allowed"] == "/" and "no-cache" in answer["Cache-Control"]
    script = answer.content.decode()
    assert "__VERSION__" not in script and "addEventListener('push'" in script


def test_the_offline_page_stands_alone() -> None:
    page = Client().get("/offline/").content.decode()
    assert "No connection" in page and "<link" not in page  # no file it would need the network for
