"""The pages agents live in: Manage Referrals, Availability Settings, Profile (R-PORTAL,
R-AVAIL, R-MISS, R-STATUS). Every action works as a plain form post; the page's script
sends the same posts with fetch and swaps in the answer, so nothing needs a reload."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from agents.forms import BrowserTimeZoneForm
from agents.middleware import signed_in_agent
from agents.models import Agent, TimeZoneSource
from agents.onboarding import selectable_states
from availability import services as availability
from availability.models import OutOfOffice
from eligibility.rules import REASONS
from eligibility.services import refresh_agent
from geo.zips import us_time_zones
from lib.phones import display_phone
from notifications import vapid
from notifications.models import PushSubscription
from portal import metrics, rows
from portal.forms import (
    DAYS,
    AttemptForm,
    BreakFormSet,
    DayFormSet,
    ExportForm,
    OutOfOfficeForm,
    ProfileForm,
    PushSubscriptionForm,
    RangeForm,
    SearchForm,
    StatusForm,
    TodayForm,
    zone_words,
)
from portal.middleware import YEAR
from referrals import services
from referrals.models import Offer, Outcome, Referral
from routing import actions

P = ParamSpec("P")
MISSED_WINDOW = timedelta(days=7)
# Manage Referrals lists an agent's referrals newest first, this many a page: in open
# enrollment a busy agent has hundreds, and every older one stays a page away.
PER_PAGE = 50


def agent_page(
    view: Callable[Concatenate[HttpRequest, Agent, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed in, and an agent: operators go to the admin, anyone else to the start page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        agent = signed_in_agent(request)
        if agent is None:
            return redirect("/admin/" if request.user.is_staff else "/")
        return view(request, agent, *args, **kwargs)

    return wrapper


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def back(request: HttpRequest, default: str = "agent_home") -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


# --- Manage Referrals ------------------------------------------------------------------


# The search is posted and kept in the session, never put in the address: a consumer's
# name typed into it stays out of the browser's history (a shared computer's next user) and
# out of proxies' logs. Signing out ends the session, and the search with it.
SEARCH_KEY = "hod_referral_search"


def _search(request: HttpRequest, agent: Agent) -> tuple[SearchForm, services.Search]:
    """The search form as asked (posted, or kept in the session) and the search in effect:
    a refused search changes nothing, so the kept one goes on listing, as the list's
    self-refresh does."""
    kept = request.session.get(SEARCH_KEY)
    form = SearchForm((request.POST if request.method == "POST" else kept) or None, agent=agent)
    if form.is_bound and form.is_valid():
        return form, _search_of(form)
    if form.is_bound and kept and request.method == "POST":
        kept_form = SearchForm(kept, agent=agent)
        if kept_form.is_valid():
            return form, _search_of(kept_form)
    return form, services.Search(time_zone=agent.time_zone)


def _search_of(form: SearchForm) -> services.Search:
    data = form.cleaned_data
    return services.Search(
        status=data["status"],
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        date_from=data["date_from"],
        date_to=data["date_to"],
        time_zone=data["time_zone"],
    )


def _page(request: HttpRequest, agent: Agent, search: services.Search) -> tuple[Page[Offer], list[rows.Row]]:
    """The page of the list asked for by `?page=` (the first when it is not a number, the
    last when it is past the end, as the links never ask for either) and its rows."""
    zone = ZoneInfo(search.time_zone)
    offers = services.offers_for(agent, search).prefetch_related("referral__contact_attempts")
    page = Paginator(offers, PER_PAGE).get_page(request.GET.get("page"))
    return page, [rows.row(offer, agent, zone) for offer in page.object_list]


def _page_query(page: Page[Offer]) -> str:
    return f"?page={page.number}" if page.number > 1 else ""


def todays_availability(request: HttpRequest, agent: Agent, now: datetime) -> availability.Today:
    """The signed-in agent's availability today, looked up once per request: the header's
    switch (portal.context) and the page under it share it."""
    cached: availability.Today | None = getattr(request, "_hod_today", None)
    if cached is None:
        cached = availability.today(agent, now)
        request._hod_today = cached  # type: ignore[attr-defined]
    return cached


@agent_page
def manage(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Manage Referrals, the home page (R-PORTAL-2, R-MISS-2, R-MISS-3)."""
    now = timezone.now()
    form, search = _search(request, agent)
    if request.method == "POST" and form.is_valid():
        request.session[SEARCH_KEY] = {name: request.POST.get(name, "") for name in form.fields}
        return redirect("agent_home")  # the search stays out of the address, and Reload asks nothing
    missed = Offer.objects.filter(agent=agent, outcome=Outcome.EXPIRED, decided_at__gte=now - MISSED_WINDOW).count()
    today = todays_availability(request, agent, now)
    page, rows_of_page = _page(request, agent, search)
    context = {
        "agent": agent,
        "form": form,
        "rows": rows_of_page,
        "page": page,
        "pages": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "rows_url": reverse("referral_rows") + _page_query(page),
        "missed": missed,
        "reasons": [str(REASONS.get(code, code)) for code in agent.ineligibility],
        "receiving": today.on,  # off when paused too
        "receiving_words": _preview(agent, now, today),
        "now": now,
    }
    return render(request, "portal/manage.html", context, status=400 if form.errors else 200)


@agent_page
def table_rows(request: HttpRequest, agent: Agent) -> HttpResponse:
    """The list's rows alone, for the page to refresh itself when offers arrive."""
    form, search = _search(request, agent)
    page, rows_of_page = _page(request, agent, search)
    # Its forms come back to the page they are shown on, not to this fragment.
    next_url = reverse("agent_home") + _page_query(page)
    html = render_to_string("portal/rows.html", {"rows": rows_of_page, "next_url": next_url}, request=request)
    return HttpResponse(html)


@agent_page
def offer_page(request: HttpRequest, agent: Agent, offer_id: int) -> HttpResponse:
    """The link in an offer's notifications: that one referral, ready to accept."""
    offer = Offer.objects.select_related("referral").filter(pk=offer_id, agent=agent).first()
    if offer is None:
        raise Http404(_("No such referral for you."))
    zone = ZoneInfo(agent.time_zone)
    return render(request, "portal/offer.html", {"agent": agent, "rows": [rows.row(offer, agent, zone)]})


RESULT_MESSAGES = {
    actions.Result.ACCEPTED: (messages.SUCCESS, gettext_lazy(
        "You accepted this referral. Contact the consumer now: preferably within 15 minutes, never later than 30.")),
    actions.Result.REJECTED: (messages.INFO, gettext_lazy(
        "You rejected this referral; it goes to the next available agent. You are not penalized for rejecting.")),
    actions.Result.TAKEN: (messages.WARNING, gettext_lazy("Another agent accepted this referral first.")),
    actions.Result.EXPIRED: (messages.WARNING, gettext_lazy(
        "The 15 minutes are over: this referral went to the next available agent.")),
    actions.Result.DECIDED: (messages.WARNING, gettext_lazy("This referral was already decided.")),
    actions.Result.NOT_ELIGIBLE: (messages.ERROR, gettext_lazy(
        "You cannot accept referrals now: see why at the top of Manage Referrals.")),
    actions.Result.NOT_FOUND: (messages.ERROR, gettext_lazy("No such referral for you.")),
}  # fmt: skip


def _answer(request: HttpRequest, agent: Agent, offer_id: int, level: int, text: str, ok: bool) -> HttpResponse:
    if wants_json(request):
        offer = Offer.objects.select_related("referral").get(pk=offer_id)
        row = rows.row(offer, agent, ZoneInfo(agent.time_zone))
        next_url = request.POST.get("next") or reverse("agent_home")
        html = render_to_string("portal/rows.html", {"rows": [row], "next_url": next_url}, request=request)
        return JsonResponse({"ok": ok, "message": text, "row": html}, status=200 if ok else 409)
    messages.add_message(request, level, text)
    return back(request)


@require_POST
@agent_page
def decide(request: HttpRequest, agent: Agent, offer_id: int, action: str) -> HttpResponse:
    """Accept or Reject (R-ROUTE-5, R-ROUTE-6): the consumer's name and contact data come
    back only to the agent who won."""
    act = actions.accept if action == "accept" else actions.reject
    result = act(offer_id, agent, timezone.now())
    if result == actions.Result.NOT_FOUND:
        raise Http404(_("No such referral for you."))
    level, text = RESULT_MESSAGES[result]
    ok = result in (actions.Result.ACCEPTED, actions.Result.REJECTED)
    return _answer(request, agent, offer_id, level, str(text), ok)


@require_POST
@agent_page
def set_status(request: HttpRequest, agent: Agent, public_id: str) -> HttpResponse:
    referral = get_object_or_404(Referral, public_id=public_id, accepted_by=agent)
    offer = Offer.objects.get(referral=referral, agent=agent, outcome=Outcome.ACCEPTED)
    form = StatusForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for field in form.errors.values() for e in field)
        return _answer(request, agent, offer.pk, messages.ERROR, errors, False)
    data = form.cleaned_data
    services.set_status(
        referral, agent, data["status"], timezone.now(), completion=data["completion"], reason=data["reason"]
    )
    label = dict(form.fields["status"].choices)[data["status"]]  # type: ignore[attr-defined]
    return _answer(request, agent, offer.pk, messages.SUCCESS, _("Status saved: %(status)s.") % {"status": label}, True)


@require_POST
@agent_page
def log_attempt(request: HttpRequest, agent: Agent, public_id: str) -> HttpResponse:
    """The contact-attempt log (R-STATUS-2): after three tries that never reached the
    consumer, the row suggests "Not a Good Referral"."""
    referral = get_object_or_404(Referral, public_id=public_id, accepted_by=agent)
    offer = Offer.objects.get(referral=referral, agent=agent, outcome=Outcome.ACCEPTED)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label}: {e}" for name, field in form.errors.items() for e in field)
        return _answer(request, agent, offer.pk, messages.ERROR, errors, False)
    try:
        services.log_attempt(referral, agent, timezone.now(), **form.cleaned_data)
    except services.StatusError as exc:
        return _answer(request, agent, offer.pk, messages.ERROR, str(exc), False)
    return _answer(request, agent, offer.pk, messages.SUCCESS, _("Contact attempt logged."), True)


# --- Availability ----------------------------------------------------------------------


def stop_words(agent: Agent, today: availability.Today, now: datetime) -> str:
    """The Stop Referrals time as the agent reads it: "midnight" for hours that run to the end
    of the day, not "12:00 AM"."""
    if today.stop_at is None or today.runs_to_midnight(agent.time_zone, now):
        return str(_("midnight"))
    return formats.time_format(today.stop_at.astimezone(ZoneInfo(agent.time_zone)), "TIME_FORMAT")


def _today_payload(agent: Agent, today: availability.Today, now: datetime) -> dict[str, Any]:
    return {"on": today.on, "stop_at": stop_words(agent, today, now) if today.on else ""}


@require_POST
@agent_page
def switch_today(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Today's Availability (R-AVAIL-2), from the switch in every page's header."""
    form = TodayForm(request.POST)
    now = timezone.now()
    if form.is_valid():
        try:
            today = availability.switch_today(agent, form.cleaned_data["on"], now, stop_at=form.cleaned_data["stop_at"])
        except availability.StopTimeError:
            form.add_error("stop_at", _("Choose a time later today."))
    if form.errors:
        text = "; ".join(str(e) for field in form.errors.values() for e in field)
        if wants_json(request):
            return JsonResponse({"ok": False, "message": text}, status=400)
        messages.error(request, text)
        return back(request)
    payload = _today_payload(agent, today, now)
    warning = "" if today.on else _still_waiting(agent, now)
    if today.on and today.runs_to_midnight(agent.time_zone, now):
        text = _("Today's Availability is on: referrals stop at midnight.")
    elif today.on:
        text = _("Today's Availability is on: referrals stop at %(time)s.") % {"time": payload["stop_at"]}
    else:
        text = " ".join(filter(None, [_("Today's Availability is off: no referrals for the rest of today."), warning]))
    if today.on and not agent.eligible:  # the switch is theirs, but a suspension still holds
        text += " " + _preview(agent, now, today)
    if wants_json(request):
        # The page's "You are receiving referrals…" line, anew (switching on also ended any pause).
        receiving = _preview(agent, now, today)
        answer = {"ok": True, "message": text, "warning": warning, "receiving": receiving, "eligible": agent.eligible}
        return JsonResponse({**answer, **payload})
    messages.success(request, text)
    return back(request)


def _still_waiting(agent: Agent, now: datetime) -> str:
    """The sentence that follows "no referrals" when referrals offered before still wait for
    the agent's answer ("" when none do): they stay theirs, and unanswered they count as missed."""
    waiting = services.waiting_for_answer(agent, now)
    if not waiting:
        return ""
    return ngettext(
        "A referral offered to you before still waits for your answer: accept or reject it, "
        "or it will count as missed.",
        "%(count)s referrals offered to you before still wait for your answer: accept or reject them, "
        "or they will count as missed.",
        waiting,
    ) % {"count": waiting}


@require_POST
@agent_page
def resume(request: HttpRequest, agent: Agent) -> HttpResponse:
    """R-MISS-4: one click after a miss, and referrals reach the agent again."""
    if availability.resume(agent, timezone.now()):
        # Back from a pause, but a suspension still holds: no "referrals reach you again".
        welcome = _("Welcome back: referrals reach you again.") if agent.eligible else ""
        messages.success(request, " ".join(filter(None, [welcome, _preview(agent, timezone.now())])))
    return back(request)


def _preview(agent: Agent, now: datetime, today: availability.Today | None = None) -> str:
    """In words, when the agent will next receive referrals (`today`: when the caller has it)."""
    if not agent.eligible:  # suspended, unlicensed, unregistered…: no hours bring referrals
        reasons = "; ".join(str(REASONS.get(code, code)) for code in agent.ineligibility)
        return _("You are not receiving referrals, because: %(reasons)s") % {"reasons": reasons}
    if agent.paused_at is not None:
        return _("Your referrals are paused after a missed referral: resume them to receive referrals again.")
    today = today or availability.today(agent, now)
    zone = ZoneInfo(agent.time_zone)
    if today.on:
        if today.runs_to_midnight(agent.time_zone, now):
            return _("You are receiving referrals now, until midnight.")
        return _("You are receiving referrals now, until %(time)s.") % {"time": stop_words(agent, today, now)}
    at = availability.next_available(agent, now)
    if at is None:
        return _("You will not receive referrals in the next 8 days with these settings.")
    local = at.astimezone(zone)
    return _("You will next receive referrals on %(day)s at %(time)s.") % {
        "day": formats.date_format(local, "l, F j"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }


BREAK_ROWS = BreakFormSet.max_num + BreakFormSet.extra


@agent_page
def availability_settings(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Availability Settings (R-AVAIL-1, R-AVAIL-3): weekly hours, breaks, out of office."""
    now = timezone.now()
    schedule = availability.schedule_of(agent)
    initial_days = [
        {"on": bool(day.get("on")), "start": day.get("start"), "end": "00:00" if day["end"] == "24:00" else day["end"]}
        for day in schedule.weekly
    ]
    initial_breaks = [
        {"days": [str(d) for d in pause.get("days", [])], "start": pause["start"], "end": pause["end"]}
        for pause in schedule.breaks or []
    ]
    days = DayFormSet(request.POST or None, prefix="day", initial=initial_days)
    breaks = BreakFormSet(request.POST or None, prefix="break", initial=initial_breaks)
    zone = BrowserTimeZoneForm(request.POST or None)
    if request.method == "POST" and all([days.is_valid(), breaks.is_valid(), zone.is_valid()]):
        weekly = []
        for form in days.forms:
            data = form.cleaned_data
            start, end = data.get("start"), data.get("end")
            weekly.append({
                "on": bool(data.get("on")),
                "start": start.strftime("%H:%M") if start else "08:00",
                "end": ("24:00" if end.strftime("%H:%M") == "00:00" else end.strftime("%H:%M")) if end else "17:00",
            })  # fmt: skip
        kept = []
        for pause in breaks.forms:
            data = pause.cleaned_data
            if not data or data.get("DELETE") or data.get("start") is None:
                continue
            kept.append({"days": sorted(int(d) for d in data["days"]), "start": f"{data['start']:%H:%M}",
                         "end": f"{data['end']:%H:%M}"})  # fmt: skip
        schedule.weekly, schedule.breaks = weekly, kept
        with transaction.atomic():
            schedule.save(update_fields=["weekly", "breaks"])
            if zone.cleaned_data["browser_time_zone"]:
                agent.time_zone, agent.time_zone_source = zone.cleaned_data["browser_time_zone"], TimeZoneSource.BROWSER
                agent.save(update_fields=["time_zone", "time_zone_source"])
        messages.success(request, _("Your availability is saved.") + " " + _preview(agent, now))
        return redirect("availability_settings")
    # A count of forms the page never sends (no week of seven days, a thousand breaks: a
    # page edited by hand) is refused over the saved hours, not shown back as posted, in
    # words for an agent rather than the formset's own ("Please submit at least 7 forms.").
    changed = _("This page was changed after it reached you. Reload it and try again: nothing was saved.")
    day_errors = [changed] if days.non_form_errors() else []
    break_errors = [changed] if breaks.non_form_errors() else []
    if len(days.forms) != len(DAYS):
        days = DayFormSet(prefix="day", initial=initial_days)
    if len(breaks.forms) > BREAK_ROWS:
        breaks = BreakFormSet(prefix="break", initial=initial_breaks)
    context = {
        "agent": agent,
        "days": list(zip(DAYS, days.forms, strict=True)),
        "day_formset": days,
        "day_errors": day_errors,
        "breaks": breaks,
        "break_errors": break_errors,
        "away": availability.current_and_coming_away(agent, now),
        "ooo": OutOfOfficeForm(time_zone=agent.time_zone),
        "preview": _preview(agent, now, todays_availability(request, agent, now)),  # the header shares it
        "time_zone": agent.time_zone,
        "time_zone_words": zone_words(agent.time_zone),
        "us_time_zones": sorted(us_time_zones()),
        "from_browser": agent.time_zone_source == TimeZoneSource.BROWSER,
        "zone": zone,
    }
    return render(request, "portal/availability.html", context, status=400 if request.method == "POST" else 200)


@require_POST
@agent_page
def out_of_office(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Out of Office (R-AVAIL-3): checked, then confirmed with "Yes" before it is saved."""
    form = OutOfOfficeForm(request.POST, time_zone=agent.time_zone)
    if not form.is_valid():
        context = {"agent": agent, "ooo": form, "confirm": False}
        return render(request, "portal/out_of_office.html", context, status=400)
    if request.POST.get("confirm") != "yes":
        return render(request, "portal/out_of_office.html", {"agent": agent, "ooo": form, "confirm": True})
    data = form.cleaned_data
    OutOfOffice.objects.create(agent=agent, starts_at=data["starts_at"], ends_at=data["ends_at"])
    now = timezone.now()
    waiting = _still_waiting(agent, now) if data["starts_at"] <= now else ""
    messages.success(
        request, " ".join(filter(None, [_("Out of Office saved. You will receive no referrals during it."), waiting]))
    )
    return redirect("availability_settings")


@require_POST
@agent_page
def end_out_of_office(request: HttpRequest, agent: Agent, period_id: int) -> HttpResponse:
    """Switch an Out of Office off: a future one is removed, a current one ends now."""
    now = timezone.now()
    availability.end_out_of_office(get_object_or_404(OutOfOffice, pk=period_id, agent=agent), now)
    messages.success(request, _("Out of Office switched off."))
    return redirect("availability_settings")


# --- Metrics ---------------------------------------------------------------------------


def _local_today(agent: Agent) -> date:
    return timezone.now().astimezone(ZoneInfo(agent.time_zone)).date()


@agent_page
def view_metrics(request: HttpRequest, agent: Agent) -> HttpResponse:
    """View Metrics (R-PORTAL-4): the agent's figures and three charts for a date range."""
    form = RangeForm(request.GET or None, today=_local_today(agent))
    context: dict[str, Any] = {"agent": agent, "form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "portal/metrics.html", context, status=400)
    start, end = form.dates()
    zone = ZoneInfo(agent.time_zone)
    figures = metrics.compute(metrics.offers_in(agent, start, end, zone), start, end, zone)
    context |= {
        "figures": figures,
        "start": start,
        "end": end,
        "summary": figures.summary(),
        "charts": [
            metrics.outcomes_chart(figures),
            metrics.response_chart(figures),
            metrics.completions_chart(figures),
        ],
    }
    return render(request, "portal/metrics.html", context)


@agent_page
def export_metrics(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Export Metrics (R-PORTAL-4) as Excel or CSV: the figures, and one row per referral,
    with consumer data only on the referrals this agent accepted."""
    form = ExportForm(request.GET or None, today=_local_today(agent))
    if not form.is_bound:
        return render(request, "portal/export.html", {"agent": agent, "form": form})
    if not form.is_valid():
        return render(request, "portal/export.html", {"agent": agent, "form": form}, status=400)
    data = form.cleaned_data
    start, end, zone = data["date_from"], data["date_to"], ZoneInfo(agent.time_zone)
    offers = list(metrics.offers_in(agent, start, end, zone).prefetch_related("referral__contact_attempts"))
    head, body = metrics.export_rows(agent, offers, zone)
    name = f"help-on-demand-referrals-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.{data['format']}"
    if data["format"] == "csv":
        response = HttpResponse(metrics.to_csv(head, body), content_type="text/csv; charset=utf-8")
    else:
        title = _("Help On Demand referrals of %(name)s, %(start)s to %(end)s") % {
            "name": agent.full_name, "start": formats.date_format(start), "end": formats.date_format(end),
        }  # fmt: skip
        figures = metrics.compute(offers, start, end, zone)
        response = HttpResponse(
            metrics.to_xlsx(figures, head, body, title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"  # it may hold consumers' contact data
    return response


# --- App notifications -------------------------------------------------------------------


@require_POST
@agent_page
def push_subscription(request: HttpRequest, agent: Agent) -> JsonResponse:
    """The service worker's Web Push subscription for this device (JSON, as the browser's
    `PushSubscription.toJSON()` gives it)."""
    try:
        body = json.loads(request.body or b"{}")
        data = {"endpoint": body.get("endpoint", ""), **(body.get("keys") or {})}
    except (ValueError, AttributeError, TypeError):
        return JsonResponse({"ok": False, "errors": {"body": [_("Send the subscription as JSON.")]}}, status=400)
    form = PushSubscriptionForm(data)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors}, status=400)
    PushSubscription.objects.update_or_create(
        endpoint=form.cleaned_data["endpoint"],
        defaults={
            "agent": agent, "p256dh": form.cleaned_data["p256dh"], "auth": form.cleaned_data["auth"],
            "user_agent": request.headers.get("User-Agent", "")[:300], "created_at": timezone.now(),
            "disabled_at": None, "last_error": "",
        },
    )  # fmt: skip
    return JsonResponse({"ok": True, "message": _("App notifications are on for this device.")})


# --- Profile ---------------------------------------------------------------------------


@agent_page
def profile(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Profile (R-PORTAL-3): contact method, phone, ZIP, languages, state preferences."""
    now = timezone.now()
    selectable = selectable_states(agent, now)
    initial = {
        "preferred_contact": agent.preferred_contact,
        "phone": display_phone(agent.phone),  # as the agent dials it, not +1…
        "zip_code": agent.zip_code,
        "languages": agent.languages,
        "states": [s for s in selectable if s not in agent.excluded_states],
        "ui_language": agent.ui_language,
    }
    form = ProfileForm(request.POST or None, selectable=selectable, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            agent.preferred_contact, agent.phone = data["preferred_contact"], data["phone"]
            assert form.place is not None  # noqa: S101 - set by clean_zip_code
            agent.move_to(form.place)
            agent.languages = data["languages"]
            agent.excluded_states = sorted(set(selectable) - set(data["states"]))
            agent.ui_language = data["ui_language"]
            # Saved contact data counts as corrected: failed channels are tried again.
            agent.failed_channels, agent.delivery_problem = "", ""
            agent.save()
            refresh_agent(agent, now)
            withdrawn = actions.withdraw_uncovered_offers(agent, now)
        translation.activate(agent.ui_language)
        if withdrawn:
            messages.info(
                request,
                ngettext(
                    "%(count)d pending referral outside your new states or languages went to another agent.",
                    "%(count)d pending referrals outside your new states or languages went to other agents.",
                    withdrawn,
                )
                % {"count": withdrawn},
            )
        messages.success(request, _("Your profile is saved."))
        response = redirect("profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, agent.ui_language, max_age=YEAR, samesite="Lax")
        return response
    context = {
        "agent": agent,
        "form": form,
        "devices": PushSubscription.objects.filter(agent=agent, disabled_at__isnull=True).count(),
        "vapid_key": vapid.public_key(),
    }
    return render(request, "portal/profile.html", context, status=400 if form.errors else 200)
