"""Error answers: pages in the visitor's language that say what happened and what to do,
and JSON for the API, whose clients read `detail` (as in django-ninja's own errors)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

API = "/api/"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API):
        return JsonResponse(
            {"detail": _("This API has no such address: its endpoints are listed at /api/docs.")}, status=404
        )
    return defaults.page_not_found(request, exception)


def not_offered(request: HttpRequest) -> HttpResponse:
    """An address a library brings that this service does not offer."""
    raise Http404


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without a request context (no context processors, no database): the failure
    may be the database itself."""
    if request.path.startswith(API):
        detail = _("Internal server error. Retry with the same Idempotency-Key: it never creates a second referral.")
        return JsonResponse({"detail": detail}, status=500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its valid security token (CSRF_FAILURE_VIEW): usually a page left
    open too long or cookies blocked. The view it was meant for never ran."""
    return render(request, "403_csrf.html", status=403)
