"""The agent's side of availability: the Today's Availability switch, the settings page and
the "when will I next get referrals" preview (R-AVAIL-1…3). The rules themselves are in
availability.rules and are the same ones routing applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from agents.models import Agent
from availability import rules
from availability.models import OutOfOffice, Schedule
from lib.inserts import add
from notifications import outbox
from notifications.models import Message
from referrals.events import actor_for_agent, event, record
from referrals.models import Event

# How far ahead the preview looks, and how finely (schedules are set in minutes; five is
# the finest step the settings page offers).
PREVIEW_DAYS = 8
PREVIEW_STEP = timedelta(minutes=5)


# The reason routing gives for passing over a paused agent (routing.candidates).
PAUSED = "paused_after_miss"


@dataclass(frozen=True)
class Today:
    """Whether referrals reach the agent now, and until when."""

    on: bool
    reason: str | None  # rules.unavailable_reason's code when off
    stop_at: datetime | None  # when on: when referrals stop (midnight at the latest), if known

    def runs_to_midnight(self, time_zone: str, now: datetime) -> bool:
        """On, with nothing stopping referrals before the day ends."""
        return self.on and (self.stop_at is None or self.stop_at == rules.end_of_local_day(now, time_zone))


def schedule_of(agent: Agent) -> Schedule:
    schedule, _created = Schedule.objects.get_or_create(agent=agent)
    return schedule


def _reason(schedule: Schedule, periods: list[rules.Period], time_zone: str, now: datetime) -> str | None:
    override = None
    if schedule.override_date is not None and schedule.override_on is not None:
        override = rules.Override(schedule.override_date, schedule.override_on, schedule.override_until)
    return rules.unavailable_reason(
        weekly=schedule.weekly,
        breaks=schedule.breaks or [],
        override=override,
        out_of_office=periods,
        time_zone=time_zone,
        now=now,
    )


def _periods(agent: Agent, now: datetime) -> list[rules.Period]:
    rows = OutOfOffice.objects.filter(agent=agent).exclude(ends_at__lte=now)
    return [rules.Period(row.starts_at, row.ends_at) for row in rows]


def standard_end_today(schedule: Schedule, time_zone: str, now: datetime) -> datetime | None:
    """When today's standard hours end, if they are on today and end after `now`."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    day = schedule.weekly[local.weekday()]
    if not day.get("on"):
        return None
    end = rules.parse_hhmm(str(day["end"]))
    end_at = rules.end_of_local_day(now, time_zone) if end is None else datetime.combine(local.date(), end, tzinfo=zone)
    return end_at if end_at > now else None


def today(agent: Agent, now: datetime) -> Today:
    if agent.paused_at is not None:
        return Today(on=False, reason=PAUSED, stop_at=None)
    schedule = schedule_of(agent)
    reason = _reason(schedule, _periods(agent, now), agent.time_zone, now)
    if reason is not None:
        return Today(on=False, reason=reason, stop_at=None)
    local_date = now.astimezone(ZoneInfo(agent.time_zone)).date()
    if schedule.override_date == local_date and schedule.override_on:
        stop = schedule.override_until
    else:
        stop = standard_end_today(schedule, agent.time_zone, now)
    return Today(on=True, reason=None, stop_at=stop)


def default_stop(agent: Agent, schedule: Schedule, now: datetime) -> datetime:
    """Switched on: referrals run to the end of today's standard hours when those are still
    ahead, else to midnight (the agent can choose another time in the popup)."""
    return standard_end_today(schedule, agent.time_zone, now) or rules.end_of_local_day(now, agent.time_zone)


class StopTimeError(ValueError):
    pass


@transaction.atomic
def switch_today(agent: Agent, on: bool, now: datetime, *, stop_at: time | None = None) -> Today:
    """Today's Availability (R-AVAIL-2): on starts referrals now until the stop time; off stops
    them for the rest of the local day. Either way it lapses at midnight."""
    schedule = Schedule.objects.select_for_update().get(pk=schedule_of(agent).pk)
    zone = ZoneInfo(agent.time_zone)
    local = now.astimezone(zone)
    schedule.override_date = local.date()
    schedule.override_on = on
    if on:
        until = default_stop(agent, schedule, now)
        if stop_at is not None:
            until = datetime.combine(local.date(), stop_at, tzinfo=zone)
            if until <= now:
                raise StopTimeError("stop_at")
        schedule.override_until = until
    else:
        schedule.override_until = None
    schedule.save(update_fields=["override_date", "override_on", "override_until"])
    if on:
        resume(agent, now)
    return today(agent, now)


def pause_after_miss(agent_id: int, now: datetime, *, offer_id: int | None = None, tell: bool = True) -> bool:
    """R-MISS-4: an agent who let an offer expire gets no more until they say they are back,
    so the next consumer does not wait 15 minutes on them too. They are told on every
    channel of their contact method (unless `tell` is False: a suspension tells them more).
    False when they were already paused."""
    if Agent.objects.filter(pk=agent_id, paused_at__isnull=True).update(paused_at=now) != 1:
        return False
    paused, notices = paused_announcements(Agent.objects.get(pk=agent_id), now, offer_id=offer_id)
    add(paused)
    if tell:
        outbox.save(notices)
    return True


def paused_announcements(
    agent: Agent, now: datetime, *, offer_id: int | None, path: str | None = None
) -> tuple[Event, list[Message]]:
    """What a pause after a miss writes, not yet saved: its event, and the agent's notices
    (one statement each for a whole batch of pauses). `path`: the portal's, when the caller
    has it already (a batch works it out once)."""
    return (
        event("paused", now, agent_id=agent.pk, offer_id=offer_id),
        outbox.agent_messages(agent, "paused", {"path": path or reverse("agent_home")}, now),
    )


def resume(agent: Agent, now: datetime) -> bool:
    """The agent is back: routing considers them again. False when they were not paused."""
    if agent.paused_at is None:
        return False
    Agent.objects.filter(pk=agent.pk).update(paused_at=None)
    agent.paused_at = None
    record("resumed", at=now, actor=actor_for_agent(agent.pk), agent_id=agent.pk)
    return True


def current_and_coming_away(agent: Agent, now: datetime) -> list[OutOfOffice]:
    """The agent's Out of Office periods not yet over, soonest first (R-AVAIL-3)."""
    return list(OutOfOffice.objects.filter(agent=agent).exclude(ends_at__lte=now).order_by("starts_at", "pk"))


def away_end_refused(starts_at: datetime, ends_at: datetime | None, now: datetime) -> str | None:
    """Why an Out of Office cannot end when asked (R-AVAIL-3), the portal's and the API's
    rule alike; None when it can (no end: until switched off)."""
    if ends_at is None:
        return None
    if ends_at <= starts_at:
        return gettext("You must be back after you leave.")
    if ends_at <= now:
        return gettext("This period is already over.")
    return None


def end_out_of_office(period: OutOfOffice, now: datetime) -> None:
    """Switch an Out of Office off: one still to come is removed, a current one ends now."""
    if period.starts_at > now:
        period.delete()
        return
    period.ends_at = now
    period.save(update_fields=["ends_at"])


def next_available(agent: Agent, now: datetime) -> datetime | None:
    """The first instant within PREVIEW_DAYS at which the agent would be offered referrals
    (eligibility aside), or None. Stepping through time keeps daylight saving right."""
    schedule = schedule_of(agent)
    periods = _periods(agent, now)
    at = now
    end = now + timedelta(days=PREVIEW_DAYS)
    while at < end:
        if _reason(schedule, periods, agent.time_zone, at) is None:
            return at
        at = (at + PREVIEW_STEP).replace(second=0, microsecond=0)
        at -= timedelta(minutes=at.minute % 5)
    return None
