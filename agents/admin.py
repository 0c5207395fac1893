from __future__ import annotations

from django.contrib import admin

from agents.models import Agent


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("npn", "first_name", "last_name", "zip_state", "eligible", "suspended_at", "last_offered_at")
    list_filter = ("eligible", "zip_state", "preferred_contact")
    search_fields = ("npn", "first_name", "last_name", "email")
    readonly_fields = ("eligible", "ineligibility", "checked_at", "last_offered_at")
