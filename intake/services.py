"""Take a consumer's request: store it and make its first offer in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from eligibility.services import plan_year_at, served_states
from geo.zips import Place
from intake.forms import ConsumerRequestForm
from lib.inserts import add
from notifications import outbox
from referrals.events import event
from referrals.models import Referral
from routing.actions import route

logger = logging.getLogger(__name__)

# The languages we write to consumers in: those of the site.
NOTICE_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def page_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in NOTICE_LANGUAGES else settings.LANGUAGE_CODE


def taking_requests(now: datetime) -> bool:
    """False when no HealthCare.gov states are loaded for the plan year in force (a new plan
    year whose data nobody loaded): every ZIP would be turned away as outside HealthCare.gov,
    which is not the consumer's fault. The operator console says what to load."""
    if served_states(plan_year_at(now)):
        return True
    logger.error("intake refused a request: no served states are loaded for plan year %s", plan_year_at(now))
    return False


def closed_message() -> str:
    return str(_("Help On Demand cannot take requests right now. Please try again later."))


def request_form(data: Mapping[str, Any] | None, now: datetime) -> ConsumerRequestForm:
    return ConsumerRequestForm(data, served_states=served_states(plan_year_at(now)))


def submit(form: ConsumerRequestForm, now: datetime, *, idempotency_key: str | None = None) -> tuple[Referral, bool]:
    """Store a valid request and route it. Returns the referral and whether it is new.

    A retry with the same Idempotency-Key returns the referral of the first call and
    creates nothing: the referral's INSERT, the transaction's first statement, fails on the
    unique key before any routing, and the first call's referral is read (concurrent retries
    race on the same key; the loser reads). No look-up first: retries are rare, requests not.
    """
    data = form.cleaned_data
    place: Place = form.place  # type: ignore[assignment]
    try:
        with transaction.atomic():
            referral = Referral(
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                email=data["email"],
                zip_code=place.zip_code,
                city=place.city,
                county=place.county,
                state=place.state,
                lat=place.lat,
                lon=place.lon,
                language=data["language"],
                notice_language=data["language"] if data["language"] in NOTICE_LANGUAGES else page_language(),
                consent_at=now,
                plan_year=plan_year_at(now),
                created_at=now,
                idempotency_key=idempotency_key or None,
            )
            add(referral)  # one plain INSERT (lib.inserts): every consumer passes here
            # Written with the routing decision's own event and messages: a round trip each.
            received = event("received", now, actor="consumer", referral=referral, language=referral.language)
            acknowledgement = outbox.consumer_message(
                referral, "consumer_received", {"location": referral.location_label, "language": referral.language}, now
            )
            route(referral, now, rank=1, events=[received], messages=[acknowledgement])
    except IntegrityError:
        if idempotency_key:
            existing = Referral.objects.filter(idempotency_key=idempotency_key).first()
            if existing:
                return existing, False
        raise
    return referral, True  # routing kept `status` up to date on this instance
