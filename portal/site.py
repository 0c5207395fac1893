"""What makes the portal an installable app (R-PORTAL-5): its manifest and its service worker,
which keeps the offline page and shows push notifications. Help, Terms of Use, Privacy Policy
and the offline page are plain templates (portal/urls.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "portal" / "sw.js"


@require_GET
@cache_control(max_age=3600)
@vary_on_headers("Cookie", "Accept-Language")  # its names are in the reader's language
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable from the browser's menu, opening on Manage Referrals."""
    icons = [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": static("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    data = {
        "name": _("Help On Demand"),
        "short_name": _("Help On Demand"),
        "description": _("Referrals of HealthCare.gov consumers for Marketplace-registered agents and brokers."),
        "lang": get_language(),
        "id": "/referrals/",
        "start_url": "/referrals/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#005ea2",
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the operators' admin)."""
    return HttpResponsePermanentRedirect(static("icons/icon-192.png"))


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the site's root so that it may control every page."""
    script = SERVICE_WORKER.read_text(encoding="utf-8").replace("__VERSION__", settings.HOD_VERSION)
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
