"""The operator console (R-OPS): one page, for staff, beside the admin."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from eligibility.services import plan_year_at, served_states
from ops import coverage, services
from ops.forms import CoverageForm, PeriodForm

# The program office's clock: periods are whole days of Eastern Time, weeks its hours.
OFFICE_ZONE_NAME = "America/New_York"
OFFICE_TIME_ZONE = ZoneInfo(OFFICE_ZONE_NAME)


@staff_member_required
def operations(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = now.astimezone(OFFICE_TIME_ZONE).date()
    period = PeriodForm(request.GET or {"date_from": today - timedelta(days=6), "date_to": today})
    levels = None
    if period.is_valid():
        start = datetime.combine(period.cleaned_data["date_from"], time(), OFFICE_TIME_ZONE)
        end = datetime.combine(period.cleaned_data["date_to"] + timedelta(days=1), time(), OFFICE_TIME_ZONE)
        levels = services.service_levels(start, end)
    context = {
        **admin.site.each_context(request),
        "title": _("Operations"),
        "queue": services.live_queue(now),
        "plan_year_problems": services.plan_year_problems(now),
        "period": period,
        "levels": levels,
        "offer_minutes": settings.HOD_OFFER_MINUTES,
    }
    return render(request, "ops/operations.html", context, status=200 if levels else 400)


@staff_member_required
def agent_coverage(request: HttpRequest) -> HttpResponse:
    """Agents available by state × language × hour of the coming week (R-OPS)."""
    now = timezone.now()
    # A link may name only the state: the language then is the form's initial one.
    data = {"language": CoverageForm.base_fields["language"].initial, **request.GET.dict()} if request.GET else None
    form = CoverageForm(data, states=sorted(served_states(plan_year_at(now))))
    context = {
        **admin.site.each_context(request),
        "title": _("Where consumers will wait"),
        "form": form,
        "thin": coverage.THIN,
        "days": [WEEKDAYS_ABBR[day] for day in range(7)],  # Django's own, translated
    }
    if form.is_valid():
        languages = coverage.weekly_coverage(form.cleaned_data["state"], now, OFFICE_ZONE_NAME)
        chosen = next(row for row in languages if row.language == form.cleaned_data["language"])
        context.update(
            week_of=coverage.week_of(now, OFFICE_ZONE_NAME),
            languages=sorted(languages, key=lambda row: (-row.hours_with_nobody, -row.thin_hours, row.language)),
            chosen=chosen,
            grid=[(f"{hour:02d}:00", counts) for hour, counts in enumerate(chosen.grid())],
        )
    return render(request, "ops/coverage.html", context, status=400 if form.errors else 200)
