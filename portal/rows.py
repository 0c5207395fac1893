"""How one offer reads in Manage Referrals (R-PORTAL-2, R-MISS-3, R-SEC-1).

A row carries the consumer's name and contact data only when `shows_consumer` says so:
the offer is this agent's and they won it. Every other row says what happened and, while
pending, where the consumer is ("City, County, ST") — nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from agents.models import Agent
from lib.phones import display_phone
from referrals import services
from referrals.models import ContactAttempt, Offer, OfferKind, Outcome, Status


@dataclass(frozen=True)
class Row:
    offer_id: int
    referral_id: str
    status: str
    status_label: str
    name: str
    location: str  # pending only
    phone: str  # accepted only
    dial: str  # accepted only: the number in E.164, for tel: links
    email: str  # accepted only
    assigned_at: datetime
    expires_at: datetime | None  # a pending direct offer's deadline, for the countdown
    expired: bool
    safety_net: bool
    completion: str
    reason: str
    attempts: tuple[ContactAttempt, ...] = ()  # accepted only: the contact-attempt log
    suggest_not_good: bool = False  # three tries, consumer never reached
    open: bool = False  # accepted only: no final status yet, attempts may be logged
    zone: str = "UTC"  # the display time zone, for the attempts' times
    ours: bool = False  # accepted by this agent: the status selector applies

    @property
    def pending(self) -> bool:
        return self.status == "pending"


def row(offer: Offer, agent: Agent, zone: ZoneInfo) -> Row:
    status = services.list_status(offer)
    referral = offer.referral
    shown = services.shows_consumer(offer, agent)
    if shown and referral.erased_at is not None:
        name = _("Personal data erased")  # HOD_CONSUMER_DATA_DAYS after the request (referrals.retention)
    elif shown:
        name = f"{referral.first_name} {referral.last_name}"
    elif status == "pending":
        name = _("Pending Referral")
    elif status == "missed":
        name = _("Missed Referral")
    else:
        name = str(services.LIST_STATUSES[status])
    pending = offer.outcome == Outcome.PENDING
    attempts = tuple(referral.contact_attempts.all()) if shown else ()
    # Attempts are logged while the agent can still reach the consumer: not once erased.
    still_open = shown and referral.status in (Status.ACCEPTED, Status.IN_PROGRESS) and referral.erased_at is None
    return Row(
        offer_id=offer.pk,
        referral_id=str(referral.public_id),
        status=status,
        status_label=str(services.LIST_STATUSES[status]),
        name=name,
        location=referral.location_label if pending or shown else "",
        phone=display_phone(referral.phone) if shown else "",
        dial=referral.phone if shown else "",
        email=referral.email if shown else "",
        assigned_at=offer.offered_at.astimezone(zone),
        expires_at=offer.expires_at.astimezone(zone)
        if offer.expires_at and pending and offer.kind == OfferKind.DIRECT
        else None,
        expired=offer.outcome == Outcome.EXPIRED,
        safety_net=offer.kind == OfferKind.SAFETY_NET,
        completion=referral.completion if shown else "",
        reason=referral.not_good_reason if shown else "",
        attempts=attempts,
        suggest_not_good=still_open and services.suggests_not_good(list(attempts)),
        open=still_open,
        zone=zone.key,
        ours=shown,
    )
