"""An agent's pages read in the agent's own time zone (R-AVAIL-4) and language (R-PORTAL-6)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from agents.middleware import signed_in_agent
from agents.models import Agent

YEAR = 365 * 24 * 3600


def language_to_adopt(request: HttpRequest, agent: Agent) -> str | None:
    """The agent's own language, while this browser has not chosen one of its own."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or not agent.ui_language:
        return None
    return agent.ui_language


def speak_the_agents_language(request: HttpRequest, user: User, **kwargs: object) -> None:
    """Signing in (allauth's user_logged_in, sent before its "Successfully signed in"
    message is written): the rest of this request speaks the agent's language, so that the
    message does not greet them in the browser's, on a page in their own."""
    agent = Agent.objects.filter(user=user).only("ui_language").first()
    language = language_to_adopt(request, agent) if agent is not None else None
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


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
        remember = language_to_adopt(request, agent)
        if remember:
            translation.activate(remember)
            request.LANGUAGE_CODE = remember
        timezone.activate(ZoneInfo(agent.time_zone))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if remember:
            # The agent's language as the request left it: Profile may just have changed it.
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, agent.ui_language, max_age=YEAR, samesite="Lax")
        return response
