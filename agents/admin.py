from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from agents.models import Agent
from eligibility.importers.base import Report
from eligibility.recheck import recheck_agent


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("npn", "first_name", "last_name", "zip_state", "eligible", "suspended_at", "last_offered_at")
    list_filter = ("eligible", "zip_state", "preferred_contact")
    search_fields = ("npn", "first_name", "last_name", "email")
    readonly_fields = ("eligible", "ineligibility", "checked_at", "last_offered_at")

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        """Every change an operator makes (a suspension, a ZIP, a deselected state) takes
        effect on routing at once: eligibility and coverage are rebuilt and, when the agent
        can no longer take referrals, their pending offers are withdrawn and routed on."""
        super().save_model(request, obj, form, change)
        recheck_agent(obj, timezone.now(), Report())
