"""Agent endpoints: my referrals, accept, reject, status, contact attempts (bearer token)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import available_timezones

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, BeforeValidator, StrictInt
from pydantic_core import PydanticCustomError

from agents.models import Agent
from hod.api import REFUSALS, BodyIn, DetailOut, FieldError, TokenAuth
from lib.dates import FIRST_DAY, LAST_DAY, TO_BEFORE_FROM
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


class AttemptOut(Schema):
    at: datetime
    method: str
    result: str


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
    consumer: ConsumerOut | None = Field(
        None,
        description="The consumer's name and contact data: only on the offer this agent accepted, "
        "until they are erased (HOD_CONSUMER_DATA_DAYS after the request; see `personal_data_erased_at`).",
    )
    completion: str = ""
    personal_data_erased_at: datetime | None = Field(
        None, description="On the accepted offer: when the consumer's name and contact data were erased."
    )
    contact_attempts: list[AttemptOut] = Field(
        [], description="On the accepted offer: your tries to reach the consumer, oldest first."
    )
    suggest_not_good: bool = Field(
        False, description="Three tries and the consumer never reached: Not a Good Referral is the likely status."
    )


def iso_date(value: Any) -> Any:
    """Dates as the schema says, YYYY-MM-DD: not a number of seconds since 1970."""
    if value is not None and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise PydanticCustomError("iso_date", _("Enter a date as YYYY-MM-DD."))
    return value


def service_day(value: date | None) -> date | None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        message = _("Enter a date from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
        raise PydanticCustomError("service_day", message)
    return value


IsoDate = Annotated[date | None, BeforeValidator(iso_date), AfterValidator(service_day)]


MAX_OFFSET = 100_000  # far more offers than one agent receives in years


class ListIn(Schema):
    status: StatusFilter = ""
    date_from: IsoDate = None
    date_to: IsoDate = None
    time_zone: str = Field("", description="The IANA time zone the dates are in; yours (your profile's) when left out.")
    limit: int = Field(100, json_schema_extra={"minimum": 1, "maximum": 500})
    offset: int = Field(
        0,
        description="How many of the newest to skip: the next page starts at offset + limit.",
        json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET},
    )


class SearchIn(ListIn, BodyIn):
    """The list's filters and a consumer's name, in a body: never in an address, which
    proxies and servers write to their logs. A misspelt filter is refused, not ignored."""

    # JSON has numbers: `false` or "5" is refused, not taken for 0 or 5 (the address's
    # parameters are text, and parsed).
    limit: StrictInt = Field(100, json_schema_extra={"minimum": 1, "maximum": 500})
    offset: StrictInt = Field(
        0,
        description="How many of the newest to skip: the next page starts at offset + limit.",
        json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET},
    )
    first_name: str = Field("", description="Part of the first name of a consumer you accepted.")
    last_name: str = Field("", description="Part of the last name of a consumer you accepted.")


class ResultOut(Schema):
    result: str
    offer: OfferOut | None = None


class AttemptIn(BodyIn):
    method: Literal["phone", "text", "email"]
    result: Literal["no_answer", "left_message", "wrong_contact", "reached"]


class StatusIn(BodyIn):
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
    shown = services.shows_consumer(offer, agent)
    attempts = list(referral.contact_attempts.all()) if shown else []
    if shown and referral.erased_at is None:
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
        completion=referral.completion if shown else "",
        personal_data_erased_at=referral.erased_at if shown else None,
        contact_attempts=[AttemptOut(at=a.at, method=a.method, result=a.result) for a in attempts],
        suggest_not_good=services.suggests_not_good(attempts),
    )


@router.get("/referrals", response={200: list[OfferOut], **REFUSALS}, summary="My referrals (Manage Referrals)")
def my_referrals(request: HttpRequest, filters: Query[ListIn]) -> list[OfferOut]:
    """Newest first, `limit` at a time from `offset`. To find a consumer by name, POST the
    name to `/referrals/search`: a name in this address is refused."""
    named = [name for name in ("first_name", "last_name") if name in request.GET]
    if named:
        raise FieldError(
            named[0],
            _(
                "A name is searched with POST /api/v1/agent/referrals/search, in its JSON body: "
                "an address is written to logs on its way, and a consumer's name must not be."
            ),
        )
    unknown = sorted(set(request.GET) - set(ListIn.model_fields))
    if unknown:  # a misspelt filter would otherwise be ignored, and every referral listed
        raise FieldError(
            unknown[0], _("unknown parameter: the filters are %(names)s") % {"names": ", ".join(ListIn.model_fields)}
        )
    return _listing(request, filters)


@router.post("/referrals/search", response={200: list[OfferOut], **REFUSALS}, summary="My referrals, searched by name")
def search_referrals(request: HttpRequest, payload: SearchIn) -> list[OfferOut]:
    """The list's filters and a consumer's name, sent as a JSON body. A name matches only
    consumers of referrals you accepted."""
    return _listing(request, payload, first_name=payload.first_name, last_name=payload.last_name)


def _listing(request: HttpRequest, filters: ListIn, *, first_name: str = "", last_name: str = "") -> list[OfferOut]:
    agent = current_agent(request)
    time_zone = filters.time_zone or agent.time_zone  # as Manage Referrals shows the days
    if time_zone not in available_timezones():
        raise FieldError("time_zone", _("unknown time zone"))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        # As the page says it: an empty list would read as "no referrals in that period".
        raise FieldError("date_to", str(TO_BEFORE_FROM))
    if not 1 <= filters.limit <= 500:
        raise FieldError("limit", _("must be between 1 and 500"))
    if not 0 <= filters.offset <= MAX_OFFSET:
        raise FieldError("offset", _("must be between 0 and %(most)s") % {"most": MAX_OFFSET})
    search = services.Search(
        status=filters.status,
        first_name=first_name.strip()[:100],
        last_name=last_name.strip()[:100],
        date_from=filters.date_from,
        date_to=filters.date_to,
        time_zone=time_zone,
    )
    offers = services.offers_for(agent, search).prefetch_related("referral__contact_attempts")
    offers = offers[filters.offset : filters.offset + filters.limit]
    return [offer_out(o, agent) for o in offers]


def _act(request: HttpRequest, offer_id: int, action: str) -> Status[ResultOut]:
    agent = current_agent(request)
    fn = actions.accept if action == "accept" else actions.reject
    result = fn(offer_id, agent, timezone.now())
    if result == actions.Result.NOT_FOUND:
        raise HttpError(404, _("No such offer for you."))
    offer = Offer.objects.select_related("referral").get(pk=offer_id)
    ok = result in (actions.Result.ACCEPTED, actions.Result.REJECTED)
    return Status(200 if ok else 409, ResultOut(result=result.value, offer=offer_out(offer, agent)))


ANSWERS = {200: ResultOut, 409: ResultOut, **REFUSALS, 404: DetailOut}


@router.post("/offers/{offer_id}/accept", response=ANSWERS, summary="Accept an offer")
def accept(request: HttpRequest, offer_id: int) -> Status[ResultOut]:
    """200 with the consumer's contact data when you won; 409 with `taken`, `expired` or
    `decided` otherwise (and no consumer data)."""
    return _act(request, offer_id, "accept")


@router.post("/offers/{offer_id}/reject", response=ANSWERS, summary="Reject an offer")
def reject(request: HttpRequest, offer_id: int) -> Status[ResultOut]:
    return _act(request, offer_id, "reject")


@router.post(
    "/referrals/{referral_id}/status",
    response={200: ResultOut, **REFUSALS, 404: DetailOut},
    summary="Set the status of a referral",
)
def set_status(request: HttpRequest, referral_id: UUID, payload: StatusIn) -> ResultOut:
    """`completed` needs its `completion` subcategory, `not_good` its `reason`: without
    them, or with one sent for another status, 400 naming the field. 404 unless you
    accepted the referral."""
    agent = current_agent(request)
    referral = Referral.objects.filter(public_id=referral_id, accepted_by=agent).first()
    if referral is None:
        raise HttpError(404, _("No such referral of yours."))
    # A subcategory sent with another status is a client's mistake, not a detail to drop.
    if payload.completion and payload.status != "completed":
        raise FieldError("completion", _("A completion goes only with the status completed."))
    if payload.reason and payload.status != "not_good":
        raise FieldError("reason", _("A reason goes only with the status not_good."))
    try:
        services.set_status(
            referral, agent, payload.status, timezone.now(), completion=payload.completion, reason=payload.reason
        )
    except services.StatusError as exc:
        raise FieldError(exc.field, str(exc)) from exc
    offer = Offer.objects.select_related("referral").get(referral=referral, agent=agent, outcome="accepted")
    return ResultOut(result="updated", offer=offer_out(offer, agent))


@router.post(
    "/referrals/{referral_id}/attempts",
    response={201: ResultOut, **REFUSALS, 404: DetailOut},
    summary="Log a try to reach the consumer",
)
def log_attempt(request: HttpRequest, referral_id: UUID, payload: AttemptIn) -> Status[ResultOut]:
    """The contact-attempt log of Manage Referrals (R-STATUS-2): the first try moves an
    accepted referral to In Progress. 400 when the referral is closed or its consumer's
    data was erased; 404 unless you accepted it."""
    agent = current_agent(request)
    referral = Referral.objects.filter(public_id=referral_id, accepted_by=agent).first()
    if referral is None:
        raise HttpError(404, _("No such referral of yours."))
    try:
        services.log_attempt(referral, agent, timezone.now(), method=payload.method, result=payload.result)
    except services.StatusError as exc:
        raise FieldError(exc.field, str(exc)) from exc
    offer = Offer.objects.select_related("referral").get(referral=referral, agent=agent, outcome="accepted")
    return Status(201, ResultOut(result="logged", offer=offer_out(offer, agent)))
