"""An agent's pages read in the agent's own time zone (R-AVAIL-4) and language (R-PORTAL-6)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from agents.middleware import signed_in_agent

YEAR = 365 * 24 * 3600


class AgentLocaleMiddleware:
    """The time zone comes from the agent's ZIP on every request. The language chosen in
    Profile follows the agent to a new device: when the browser has no language cookie yet,
    the agent's language is used and remembered; a choice made on the device stays."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agent = signed_in_agent(request)
        if agent is None:
            return self.get_response(request)
        remember = settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and bool(agent.ui_language)
        if remember:
            translation.activate(agent.ui_language)
            request.LANGUAGE_CODE = agent.ui_language
        timezone.activate(ZoneInfo(agent.time_zone))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if remember:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, agent.ui_language, max_age=YEAR, samesite="Lax")
        return response
