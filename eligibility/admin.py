from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from eligibility.importers import IMPORTERS, run_import
from eligibility.importers.base import describe
from eligibility.models import (
    FfmRegistration,
    ImportKind,
    ImportRun,
    License,
    LineOfAuthority,
    ServedState,
    Termination,
)


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


@admin.register(Termination)
class TerminationAdmin(admin.ModelAdmin):
    list_display = ("npn", "plan_year", "status", "marketplaces", "terminated_on")
    search_fields = ("npn",)


@admin.register(FfmRegistration)
class FfmRegistrationAdmin(admin.ModelAdmin):
    list_display = ("npn", "plan_year", "individual_completed_on", "individual_ended_on")
    search_fields = ("npn",)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File"))
    skip_invalid = forms.BooleanField(label=_("Import the valid rows even if some rows are refused"), required=False)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """The history of eligibility loads; "Add" uploads a new file and shows what it did."""

    list_display = ("started_at", "kind", "file_name", "by", "applied", "rows", "rejected_rows")
    list_filter = ("kind", "applied")
    readonly_fields = (
        "kind", "file_name", "started_at", "finished_at", "by", "applied", "rows", "rejected_rows",
        "summary_text", "errors_text",
    )  # fmt: skip
    exclude = ("summary", "errors")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("What changed"))
    def summary_text(self, run: ImportRun) -> str:
        return format_html("<pre>{}</pre>", "\n".join(describe(run.summary or {})))

    @admin.display(description=_("Refused rows"))
    def errors_text(self, run: ImportRun) -> str:
        return format_html("<pre>{}</pre>", "\n".join(run.errors) or "—")

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            uploaded = form.cleaned_data["file"]

            @contextmanager
            def reopen() -> Iterator[IO[bytes]]:
                uploaded.seek(0)
                yield uploaded

            report = run_import(
                IMPORTERS[form.cleaned_data["kind"]](),
                reopen,
                file_name=uploaded.name or "upload",
                skip_invalid=form.cleaned_data["skip_invalid"],
                by=request.user.get_username(),
            )
            if report.applied:
                messages.success(request, _("Imported: %(rows)s rows read, %(bad)s refused.")
                                 % {"rows": report.rows, "bad": report.error_count})  # fmt: skip
            else:
                messages.error(request, _("Nothing was imported: the file has %(bad)s error(s), listed below.")
                               % {"bad": report.error_count})  # fmt: skip
            return redirect("admin:eligibility_importrun_change", report.run_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import eligibility data"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/eligibility/upload.html", context)
