"""Agent endpoints: my referrals, accept, reject, status (bearer token)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import available_timezones

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from agents.models import Agent
from hod.api import TokenAuth
from referrals import services
from referrals.models import Offer, Referral
from routing import actions

router = Router(tags=["agent"], auth=TokenAuth())

StatusFilter = Literal[
    "", "pending", "accepted", "rejected", "in_progress", "not_good", "completed", "missed", "taken", "withdrawn"
]


class ConsumerOut(Schema):
    first_name: str
    last_name: str
    phone: str
    email: str


class OfferOut(Schema):
    offer_id: int
    referral_id: str
    kind: str
    status: str
    status_label: str
    location: str
    language: str
    assigned_at: datetime
    expires_at: datetime | None
    consumer: ConsumerOut | None = None
    completion: str = ""


class SearchIn(Schema):
    status: StatusFilter = ""
    first_name: str = ""
    last_name: str = ""
    date_from: date | None = None
    date_to: date | None = None
    time_zone: str = "America/New_York"
    limit: int = 100


class ResultOut(Schema):
    result: str
    offer: OfferOut | None = None


class StatusIn(Schema):
    status: Literal["in_progress", "not_good", "completed"]
    completion: Literal["", "qhp", "medicaid", "navigator", "other"] = ""
    reason: Literal["", "wrong_contact", "has_agent", "unreachable"] = ""


def current_agent(request: HttpRequest) -> Agent:
    agent = Agent.objects.filter(user=request.auth).first()  # type: ignore[attr-defined]
    if agent is None:
        raise HttpError(403, _("This token does not belong to an agent."))
    return agent


def offer_out(offer: Offer, agent: Agent) -> OfferOut:
    status = services.list_status(offer)
    referral = offer.referral
    consumer = None
    if services.shows_consumer(offer, agent):
        consumer = ConsumerOut(
            first_name=referral.first_name, last_name=referral.last_name, phone=referral.phone, email=referral.email
        )
    return OfferOut(
        offer_id=offer.pk,
        referral_id=str(referral.public_id),
        kind=offer.kind,
        status=status,
        status_label=str(services.LIST_STATUSES[status]),
        location=referral.location_label,
        language=referral.language,
        assigned_at=offer.offered_at,
        expires_at=offer.expires_at,
        consumer=consumer,
        completion=referral.completion if consumer else "",
    )


@router.get("/referrals", response=list[OfferOut], summary="My referrals (Manage Referrals)")
def my_referrals(request: HttpRequest, filters: Query[SearchIn]) -> list[OfferOut]:
    agent = current_agent(request)
    if filters.time_zone not in available_timezones():
        raise HttpError(400, "time_zone: " + _("unknown time zone"))
    if not 1 <= filters.limit <= 500:
        raise HttpError(400, "limit: " + _("must be between 1 and 500"))
    search = services.Search(
        status=filters.status,
        first_name=filters.first_name[:100],
        last_name=filters.last_name[:100],
        date_from=filters.date_from,
        date_to=filters.date_to,
        time_zone=filters.time_zone,
    )
    return [offer_out(o, agent) for o in services.offers_for(agent, search)[: filters.limit]]


def _act(request: HttpRequest, offer_id: int, action: str) -> Status[ResultOut]:
    agent = current_agent(request)
    fn = actions.accept if action == "accept" else actions.reject
    result = fn(offer_id, agent, timezone.now())
    if result == actions.Result.NOT_FOUND:
        raise HttpError(404, _("No such offer for you."))
    offer = Offer.objects.select_related("referral").get(pk=offer_id)
    ok = result in (actions.Result.ACCEPTED, actions.Result.REJECTED)
    return Status(200 if ok else 409, ResultOut(result=result.value, offer=offer_out(offer, agent)))


@router.post("/offers/{offer_id}/accept", response={200: ResultOut, 409: ResultOut}, summary="Accept an offer")
def accept(request: HttpRequest, offer_id: int) -> Status[ResultOut]:
    """200 with the consumer's contact data when you won; 409 with `taken`, `expired` or
    `decided` otherwise (and no consumer data)."""
    return _act(request, offer_id, "accept")


@router.post("/offers/{offer_id}/reject", response={200: ResultOut, 409: ResultOut}, summary="Reject an offer")
def reject(request: HttpRequest, offer_id: int) -> Status[ResultOut]:
    return _act(request, offer_id, "reject")


@router.post("/referrals/{referral_id}/status", response={200: ResultOut}, summary="Set the status of a referral")
def set_status(request: HttpRequest, referral_id: str, payload: StatusIn) -> ResultOut:
    agent = current_agent(request)
    try:
        referral = get_object_or_404(Referral, public_id=referral_id, accepted_by=agent)
    except Exception as exc:  # a malformed UUID is "not found", not a server error
        raise HttpError(404, _("No such referral of yours.")) from exc
    try:
        services.set_status(
            referral, agent, payload.status, timezone.now(), completion=payload.completion, reason=payload.reason
        )
    except services.StatusError as exc:
        raise HttpError(400, f"{exc.field}: {exc}") from exc
    offer = Offer.objects.select_related("referral").get(referral=referral, agent=agent, outcome="accepted")
    return ResultOut(result="updated", offer=offer_out(offer, agent))
