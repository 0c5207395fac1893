"""The operator console (R-OPS): one page, for staff, beside the admin."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from eligibility.services import plan_year_at, served_states
from ops import coverage, health, services
from ops.forms import CoverageForm, PeriodForm

# The program office's clock: periods are whole days of Eastern Time, weeks its hours.
OFFICE_ZONE_NAME = "America/New_York"
OFFICE_TIME_ZONE = ZoneInfo(OFFICE_ZONE_NAME)


UNREACHABLE = {"status": "unavailable", "database": "unreachable"}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 while this process's database answers, else 503."""
    if not health.database_answers():
        return JsonResponse(UNREACHABLE, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _seconds(lag: timedelta | None) -> int | None:
    return int(lag.total_seconds()) if lag is not None else None


@require_GET
@never_cache
def healthz_dispatch(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 while the dispatchers keep up, 503 with how far behind when an
    offer or an urgent message is late beyond the settings' lag (see ops.health)."""
    if not health.database_answers():
        return JsonResponse(UNREACHABLE, status=503)
    backlog = health.backlog(timezone.now())
    return JsonResponse(
        {
            "status": "behind" if backlog.behind else "ok",
            "database": "ok",
            "offers_overdue": backlog.offers_overdue,
            "oldest_offer_overdue_seconds": _seconds(backlog.oldest_offer_overdue),
            "messages_overdue": backlog.messages_overdue,
            "oldest_message_overdue_seconds": _seconds(backlog.oldest_message_overdue),
            "offer_lag_allowed_seconds": settings.HOD_HEALTH_OFFER_LAG_SECONDS,
            "message_lag_allowed_seconds": settings.HOD_HEALTH_MESSAGE_LAG_SECONDS,
        },
        status=503 if backlog.behind else 200,
    )


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
        "consumer_data_days": settings.HOD_CONSUMER_DATA_DAYS,
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
