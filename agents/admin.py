from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agents import suspension
from agents.forms import PhoneAndZipMixin
from agents.models import SUSPENDED_BY_POLICY, Agent, MissPolicy
from eligibility.importers.base import Report
from eligibility.recheck import recheck_agent
from geo.zips import us_time_zones
from lib.languages import LANGUAGES
from lib.states import NAMES as STATES


def _operator(request: HttpRequest | None) -> AbstractBaseUser | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class SuspensionFilter(admin.SimpleListFilter):
    title = _("suspension")
    parameter_name = "suspension"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("policy", _("By the missed-referral policy")),
            ("operator", _("By an operator")),
            ("none", _("Not suspended")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Agent]) -> QuerySet[Agent]:
        if self.value() == "policy":
            return queryset.filter(suspended_at__isnull=False, suspended_by=SUSPENDED_BY_POLICY)
        if self.value() == "operator":
            return queryset.filter(suspended_at__isnull=False).exclude(suspended_by=SUSPENDED_BY_POLICY)
        if self.value() == "none":
            return queryset.filter(suspended_at__isnull=True)
        return queryset


def _zones() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(us_time_zones())]


def _states() -> list[tuple[str, str]]:
    """By name in the operator's language, not by postal code."""
    return sorted(((code, str(name)) for code, name in STATES.items()), key=lambda choice: choice[1])


class AgentAdminForm(PhoneAndZipMixin, forms.ModelForm):  # type: ignore[type-arg]
    """An operator's edit of an agent, checked as the agent's own forms check it: a value
    routing cannot use (a language code it does not know, a ZIP that does not exist, a time
    zone no U.S. ZIP is in, a phone that is not a U.S. number, a language list typed as
    text) is refused naming the field. Before, the admin's raw JSON and text boxes stored
    it, and the agent's next routing decision failed on it."""

    npn = forms.RegexField(
        label=_("NPN"), regex=r"^[0-9]{1,10}$", error_messages={"invalid": _("An NPN is 1 to 10 digits.")}
    )
    languages = forms.MultipleChoiceField(
        label=capfirst(_("languages")), choices=list(LANGUAGES.items()), widget=forms.CheckboxSelectMultiple
    )
    excluded_states = forms.MultipleChoiceField(label=capfirst(_("deselected states")), choices=_states, required=False)
    resident_state = forms.ChoiceField(
        label=capfirst(_("resident state")), choices=lambda: [("", "—"), *_states()], required=False
    )
    time_zone = forms.ChoiceField(label=capfirst(_("time zone")), choices=_zones)

    # The agent's own checks (PhoneAndZipMixin), except that an agent who has not signed up
    # yet has neither a phone nor a ZIP: blank stays blank.
    def clean_zip_code(self) -> str:
        return super().clean_zip_code() if self.cleaned_data["zip_code"].strip() else ""

    def clean_phone(self) -> str:
        return super().clean_phone() if self.cleaned_data["phone"].strip() else ""


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = (
        "npn", "first_name", "last_name", "zip_state", "eligible", "suspended_at", "suspended_by", "last_offered_at",
    )  # fmt: skip
    list_filter = (SuspensionFilter, "eligible", "zip_state", "preferred_contact")
    search_fields = ("npn", "first_name", "last_name", "email")
    # City, county, the ZIP's state and the location follow the ZIP code (Agent.move_to).
    readonly_fields = (
        "eligible", "ineligibility", "checked_at", "last_offered_at", "suspended_by", "reinstated_at",
        "city", "county", "zip_state", "lat", "lon",
    )  # fmt: skip
    form = AgentAdminForm
    actions = ["reinstate"]

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        """Every change an operator makes (a suspension, a ZIP, a deselected state) takes
        effect on routing at once: eligibility and coverage are rebuilt and, when the agent
        can no longer take referrals, their pending offers are withdrawn and routed on.
        Setting or clearing the suspension also tells the agent and logs who did it."""
        now = timezone.now()
        before = Agent.objects.filter(pk=obj.pk).values("suspended_at", "suspended_by").first() if obj.pk else None
        was_suspended = before is not None and before["suspended_at"] is not None
        place = getattr(form, "place", None)
        if place is not None and (not change or "zip_code" in form.changed_data):
            zone = obj.time_zone
            obj.move_to(place)
            if "time_zone" in form.changed_data:  # the operator's own choice wins over the ZIP's
                obj.time_zone = zone
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if was_suspended and obj.suspended_at is None:
                suspension.reinstate(obj, now, operator=_operator(request), was=before["suspended_by"])  # type: ignore[index]
            elif obj.suspended_at is not None and not was_suspended:
                suspension.suspended(obj, now, operator=_operator(request))
            else:
                recheck_agent(obj, now, Report())

    @admin.action(description=_("Reinstate the selected agents"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        now = timezone.now()
        done = 0
        for agent in queryset.filter(suspended_at__isnull=False).order_by("pk"):
            with transaction.atomic():
                suspension.reinstate(agent, now, operator=_operator(request), was=agent.suspended_by)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d agent reinstated.", "%(count)d agents reinstated.", done) % {"count": done},
            messages.SUCCESS,
        )


@admin.register(MissPolicy)
class MissPolicyAdmin(admin.ModelAdmin):
    """One row: the list opens it, and it can be neither added nor deleted."""

    fields = ("misses", "days", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        policy = MissPolicy.current()
        return HttpResponseRedirect(reverse("admin:agents_misspolicy_change", args=[policy.pk]))
