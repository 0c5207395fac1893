"""Dates and times on an agent's pages read in the agent's own time zone (R-AVAIL-4)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from agents.middleware import signed_in_agent


class AgentTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agent = signed_in_agent(request)
        if agent is None:
            return self.get_response(request)
        timezone.activate(ZoneInfo(agent.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
