"""The agent's Today's Availability for their app (bearer token): the switch every portal
page carries in its header (R-AVAIL-2), and why referrals do not reach them when they do
not (R-AVAIL-1…4, R-MISS-4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import StrictBool

from agents.models import Agent
from availability import services
from hod.api import REFUSALS, FieldError, TokenAuth
from referrals.api import current_agent

router = Router(tags=["agent"], auth=TokenAuth())
HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class AvailabilityOut(Schema):
    on: bool = Field(description="Referrals reach you now.")
    reason: str | None = Field(
        description="When off, why: paused_after_miss, switched_off_today, past_stop_time, day_off, outside_hours, "
        "on_break or out_of_office."
    )
    stop_at: datetime | None = Field(description="When on: when referrals stop today, if before midnight or at it.")
    next_at: datetime | None = Field(
        description="When off: when referrals would next reach you with these settings, within 8 days; else null."
    )


class AvailabilityIn(Schema):
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
    today = services.today(agent, now)
    return AvailabilityOut(
        on=today.on,
        reason=today.reason,
        stop_at=_utc(today.stop_at),
        next_at=None if today.on else _utc(services.next_available(agent, now)),
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
