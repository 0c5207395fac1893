"""Project-wide middleware: what holds for every page, the admin and the API alike."""

from __future__ import annotations

from collections.abc import Callable

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


class SignedInPagesAreNotKeptMiddleware:
    """A page for someone signed in (an agent's referrals, an operator's console) or an
    answer to a bearer token is never stored by the browser: on a shared computer, Back
    after signing out would otherwise bring the consumers' names and numbers back from its
    back/forward cache or its HTTP cache (R-SEC-1)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Authorization" in request.headers:
            add_never_cache_headers(response)  # no-store, private (and no-cache, max-age=0)
        return response


class ApiMethodsAreRefusedInJsonMiddleware:
    """A method an API address does not take (GET on intake, say) is answered 405 in the
    API's own shape, `{"detail": …}` in the caller's language with the methods it does take,
    not the framework's bare English text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path_info.startswith("/api/"):
            return response
        allowed = ", ".join(sorted(method.strip() for method in response.get("Allow", "").split(",") if method.strip()))
        detail = _("%(method)s is not allowed at this address; it takes %(allowed)s.") % {
            "method": request.method,
            "allowed": allowed,
        }
        refusal = JsonResponse({"detail": detail}, status=405)
        refusal["Allow"] = allowed
        return refusal


class NullCharactersAreRefusedMiddleware:
    """A request whose address, query or form fields hold a null character is answered 400,
    naming the field, before any view runs. No person types one; PostgreSQL refuses it in
    text, so a view that filtered or looked up by it (the admin's list filters, an object's
    address) failed with a 500. Files' contents are not looked at: they are data, and their
    importers check them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self.field_with_null(request)
        if field is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"errors": {field: [str(ProhibitNullCharactersValidator.message)]}}, status=400)
        reason = _("%(field)s: null characters are not allowed. Nothing was changed.") % {"field": field}
        return render(request, "400.html", {"reason": reason}, status=400)

    @staticmethod
    def field_with_null(request: HttpRequest) -> str | None:
        if "\x00" in request.path:
            return "address"
        sent = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sent.append(request.POST)
        for fields in sent:
            for name, values in fields.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "\\0")
        return None
