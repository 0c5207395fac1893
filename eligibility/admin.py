from __future__ import annotations

from django.contrib import admin

from eligibility.models import FfmRegistration, License, LineOfAuthority, ServedState


@admin.register(ServedState)
class ServedStateAdmin(admin.ModelAdmin):
    list_display = ("plan_year", "state", "model")
    list_filter = ("plan_year", "model")


class LineInline(admin.TabularInline):
    model = LineOfAuthority
    extra = 0


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ("npn", "state", "number", "active", "expires_on")
    search_fields = ("npn",)
    inlines = [LineInline]


@admin.register(FfmRegistration)
class FfmRegistrationAdmin(admin.ModelAdmin):
    list_display = ("npn", "plan_year", "individual_completed_on", "individual_ended_on", "terminated_on")
    search_fields = ("npn",)
