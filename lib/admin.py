"""Shared pieces of the operators' console (the Django admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only the service writes (the event log, the outbox): operators read
    them; nobody adds, changes or deletes one by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SelectionGuard(admin.ModelAdmin):
    """A list action run on a selection whose keys are not keys (a page edited by hand, a
    forged post) is turned back with a message, as an empty selection is, instead of failing
    with a 500 when the action reads its rows."""

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        key = self.model._meta.pk
        assert key is not None  # noqa: S101 - every model has one
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                key.to_python(value)
        except ValidationError:
            self.message_user(request, _("The selected rows were not understood. Select them again."), messages.ERROR)
            return None  # the list comes back, as after any action that did not run
        return super().response_action(request, queryset)


class OperatorsSite(admin.AdminSite):
    """The operators' console: Django's admin, every list of which, ours and the
    libraries' alike (accounts, passkeys), carries the selection guard."""

    def register(
        self, model_or_iterable: Any, admin_class: type[admin.ModelAdmin] | None = None, **options: Any
    ) -> None:
        base = admin_class or admin.ModelAdmin
        guarded = type(base.__name__, (SelectionGuard, base), {"__module__": base.__module__})
        super().register(model_or_iterable, guarded, **options)


class OperatorsAdminConfig(AdminConfig):
    default_site = "lib.admin.OperatorsSite"
