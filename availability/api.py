"""The agent's availability for their app (bearer token): Today's Availability, the switch
every portal page carries in its header (R-AVAIL-2), with why referrals do not reach them
when they do not (R-AVAIL-1…4, R-MISS-4); and Out of Office (R-AVAIL-3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, BeforeValidator, StrictBool
from pydantic_core import PydanticCustomError

from agents.models import Agent
from availability import services
from availability.models import OutOfOffice
from hod.api import REFUSALS, BodyIn, DetailOut, FieldError, TokenAuth
from lib.dates import OUTSIDE_CALENDAR, in_utc
from referrals.api import current_agent
from referrals.services import waiting_for_answer

router = Router(tags=["agent"], auth=TokenAuth())
HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class AvailabilityOut(Schema):
    on: bool = Field(description="Referrals reach you now.")
    reason: str | None = Field(
        description="When off, why: not_eligible (suspended, or no longer licensed or registered: Manage Referrals "
        "says which), paused_after_miss, switched_off_today, past_stop_time, day_off, outside_hours, on_break or "
        "out_of_office."
    )
    stop_at: datetime | None = Field(description="When on: when referrals stop today, if before midnight or at it.")
    next_at: datetime | None = Field(
        description="When off: when referrals would next reach you with these settings, within 8 days; else null."
    )
    waiting_for_answer: int = Field(
        description="Referrals offered to you whose 15 minutes still run. Switching off or going out of office stops "
        "new referrals, not these: unanswered, each counts as missed."
    )


class AvailabilityIn(BodyIn):
    on: StrictBool = Field(
        description="true: referrals from now until the stop time; false: none for the rest of today."
    )
    stop_at: str = Field(
        "",
        description="With on: the Stop Referrals time today, HH:MM in your time zone; empty: the end of today's "
        "standard hours, or midnight.",
        json_schema_extra={"pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9])?$"},
    )


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)  # as every instant the API gives


def _out(agent: Agent, now: datetime) -> AvailabilityOut:
    waiting = waiting_for_answer(agent, now)
    if not agent.eligible:  # no hours bring referrals: "on" said they reached a suspended agent
        return AvailabilityOut(on=False, reason="not_eligible", stop_at=None, next_at=None, waiting_for_answer=waiting)
    today = services.today(agent, now)
    return AvailabilityOut(
        on=today.on,
        reason=today.reason,
        stop_at=_utc(today.stop_at),
        next_at=None if today.on else _utc(services.next_available(agent, now)),
        waiting_for_answer=waiting,
    )


@router.get("", response={200: AvailabilityOut, **REFUSALS}, summary="Today's Availability")
def show(request: HttpRequest) -> AvailabilityOut:
    return _out(current_agent(request), timezone.now())


@router.put("", response={200: AvailabilityOut, **REFUSALS}, summary="Switch Today's Availability")
def switch(request: HttpRequest, payload: AvailabilityIn) -> AvailabilityOut:
    """The header's switch: on (also the way back after a pause for a missed referral) or
    off, until midnight. 400 names `stop_at` when it is not HH:MM, not later today, or
    sent with `on: false`."""
    agent = current_agent(request)
    now = timezone.now()
    stop_at = None
    if payload.stop_at:
        found = HH_MM.fullmatch(payload.stop_at)
        if found is None:
            raise FieldError("stop_at", _("Enter a time as HH:MM, such as 17:30."))
        if not payload.on:
            raise FieldError("stop_at", _("A stop time goes only with switching on."))
        stop_at = time(int(found.group(1)), int(found.group(2)))
    try:
        services.switch_today(agent, payload.on, now, stop_at=stop_at)
    except services.StopTimeError as exc:
        raise FieldError("stop_at", _("Choose a time later today.")) from exc
    agent.refresh_from_db(fields=["paused_at"])
    return _out(agent, now)


def _instant_refused() -> PydanticCustomError:
    return PydanticCustomError("instant", _("Enter a date and time with its offset, as 2026-12-24T08:00:00-07:00."))


def as_text(value: object) -> object:
    """JSON's instants are text: a number is not taken for seconds since 1970."""
    if not isinstance(value, str):
        raise _instant_refused()
    return value


def with_offset(value: datetime) -> datetime:
    """An instant, not a wall-clock time: which zone 09:00 is in must be said. Kept in UTC."""
    if value.tzinfo is None:
        raise _instant_refused()
    instant = in_utc(value)
    if instant is None:
        raise PydanticCustomError("instant", str(OUTSIDE_CALENDAR))
    return instant


Instant = Annotated[datetime, BeforeValidator(as_text), AfterValidator(with_offset)]


class AwayIn(BodyIn):
    starts_at: Instant = Field(description="ISO 8601 with its offset, as 2026-12-24T08:00:00-07:00.")
    ends_at: Instant | None = Field(description="When you are back, with its offset; null: No End Date.")


class AwayOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime | None


def _away_out(period: OutOfOffice) -> AwayOut:
    return AwayOut(id=period.pk, starts_at=period.starts_at.astimezone(UTC), ends_at=_utc(period.ends_at))


@router.get("/out-of-office", response={200: list[AwayOut], **REFUSALS}, summary="My Out of Office periods")
def away_list(request: HttpRequest) -> list[AwayOut]:
    """The periods not yet over, soonest first."""
    agent = current_agent(request)
    return [_away_out(period) for period in services.current_and_coming_away(agent, timezone.now())]


@router.post("/out-of-office", response={201: AwayOut, **REFUSALS}, summary="Add an Out of Office period")
def away_add(request: HttpRequest, payload: AwayIn) -> Status[AwayOut]:
    """No referrals from `starts_at` until `ends_at`, or until it is switched off when
    `ends_at` is null. 400 names `ends_at` when it is not after `starts_at` or already past."""
    agent = current_agent(request)
    refused = services.away_end_refused(payload.starts_at, payload.ends_at, timezone.now())
    if refused:
        raise FieldError("ends_at", refused)
    period = OutOfOffice.objects.create(agent=agent, starts_at=payload.starts_at, ends_at=payload.ends_at)
    return Status(201, _away_out(period))


@router.delete(
    "/out-of-office/{period_id}",
    response={204: None, **REFUSALS, 404: DetailOut},
    summary="Switch an Out of Office off",
)
def away_end(request: HttpRequest, period_id: int) -> Status[None]:
    """One still to come is removed; a current one ends now. 404 unless it is yours and not over."""
    agent = current_agent(request)
    now = timezone.now()
    period = OutOfOffice.objects.filter(pk=period_id, agent=agent).exclude(ends_at__lte=now).first()
    if period is None:
        raise HttpError(404, _("No such Out of Office period of yours."))
    services.end_out_of_office(period, now)
    return Status(204, None)
