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
from django.utils.translation import gettext as _

from ops import services
from ops.forms import PeriodForm

# The program office's clock: periods are whole days of Eastern Time.
OFFICE_TIME_ZONE = ZoneInfo("America/New_York")


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
        "period": period,
        "levels": levels,
        "offer_minutes": settings.HOD_OFFER_MINUTES,
    }
    return render(request, "ops/operations.html", context, status=200 if levels else 400)
