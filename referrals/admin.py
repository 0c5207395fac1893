from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.admin import ReadOnlyAdmin
from referrals.events import actor_for_operator, record
from referrals.models import Event, Offer, Referral
from routing.explain import explain, readable


class OfferInline(admin.TabularInline):
    model = Offer
    fields = ("agent", "kind", "rank", "distance_miles", "offered_at", "expires_at", "outcome", "decided_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    # The list shows no personal data; opening a referral does, and is audited (R-SEC-1).
    list_display = ("public_id", "location_label", "language", "status", "created_at", "accepted_by")
    list_filter = ("status", "state", "language")
    # The fingerprint is a digest of what the consumer asked: nothing an operator can read.
    readonly_fields = [f.name for f in Referral._meta.fields if f.name != "fingerprint"] + ["explanation"]
    inlines = [OfferInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Routing explanation"))
    def explanation(self, obj: Referral) -> str:
        data = explain(obj)
        raw = json.dumps(data, indent=2, ensure_ascii=False)
        return render_to_string("admin/referrals/explanation.html", {"readable": readable(data), "raw": raw})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # The admin's own look-up: an address whose id is no number ("…/abc/change/") is "no
        # such referral", as the admin says it, not a 500.
        referral = self.get_object(request, object_id)
        if referral is not None:
            record(
                "personal_data_viewed", at=timezone.now(), actor=actor_for_operator(request.user.pk), referral=referral
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "actor", "referral", "agent")
    list_filter = ("kind",)
    readonly_fields = ("at", "kind", "actor", "referral", "offer", "agent", "data")
