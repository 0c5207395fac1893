"""Project-wide middleware: what holds for every page, the admin and the API alike."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


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
