"""Until an agent accepts the CMS Terms of Use, the terms page is the only page they see."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from agents.models import Agent

# Paths an agent may open before accepting: the terms themselves, signing out, assets.
OPEN_PREFIXES = ("/welcome/terms/", "/accounts/logout/", "/static/", "/i18n/", "/api/", "/admin/")


def signed_in_agent(request: HttpRequest) -> Agent | None:
    """The agent behind the signed-in user, read once per request."""
    if not hasattr(request, "_hod_agent"):
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        request._hod_agent = Agent.objects.filter(user_id=user.pk).first() if authenticated else None  # type: ignore[attr-defined, union-attr]
    return request._hod_agent  # type: ignore[attr-defined, no-any-return]


class TermsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            agent = signed_in_agent(request)
            if agent is not None and agent.cms_terms_accepted_at is None:
                return redirect("agent_terms")
        return self.get_response(request)
