"""The portal's header on every page: the agent and their Today's Availability switch."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from agents.middleware import signed_in_agent
from availability import services as availability
from portal.views import stop_words, todays_availability
from referrals.models import Completion, ContactMethod, ContactResult, NotGoodReason


def portal(request: HttpRequest) -> dict[str, Any]:
    agent = signed_in_agent(request)
    if agent is None or agent.cms_terms_accepted_at is None:
        return {}
    now = timezone.now()
    today = SimpleLazyObject(lambda: todays_availability(request, agent, now))
    return {
        "portal_agent": agent,
        "portal_today": today,
        "portal_stop": SimpleLazyObject(lambda: stop_words(agent, cast(availability.Today, today), now)),
        "portal_refresh_ms": settings.HOD_PORTAL_REFRESH_SECONDS * 1000,
        "completions": Completion.choices,
        "not_good_reasons": NotGoodReason.choices,
        "contact_methods": ContactMethod.choices,
        "contact_results": ContactResult.choices,
    }
