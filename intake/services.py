"""Take a consumer's request: store it and make its first offer in one transaction."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from eligibility.services import plan_year_at, served_states
from geo.zips import Place
from intake.forms import ConsumerRequestForm
from lib.inserts import add
from notifications import outbox
from referrals.events import event, record
from referrals.models import OPEN_STATUSES, Event, Referral, fingerprint_of
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


class PhoneLimitReached(Exception):
    """A new request for a phone number that has made HOD_REQUESTS_PER_PHONE lately; the
    number may ask again at `retry_at`, when the oldest of those leaves the window."""

    def __init__(self, retry_at: datetime) -> None:
        self.retry_at = retry_at
        limit, hours = settings.HOD_REQUESTS_PER_PHONE, settings.HOD_REQUESTS_PER_PHONE_HOURS
        super().__init__(
            ngettext(
                "This phone number has already asked for help %(count)s time in the last %(hours)s hours, "
                "the most we take. You can ask again later, or get free help now from the Marketplace Call "
                "Center at 1-800-318-2596 (TTY: 1-855-889-4325).",
                "This phone number has already asked for help %(count)s times in the last %(hours)s hours, "
                "the most we take. You can ask again later, or get free help now from the Marketplace Call "
                "Center at 1-800-318-2596 (TTY: 1-855-889-4325).",
                limit,
            )
            % {"count": limit, "hours": hours}
        )


class KeyReused(Exception):
    """An Idempotency-Key already used for a different request: that request stands, this
    one is not stored (a key is for retrying one request, never for sending another)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This key was already used for another request (other names, phone, ZIP code or "
                "language): nothing was stored. Send each new request with a new key."
            )
        )


def retry_after(refusal: PhoneLimitReached, now: datetime) -> str:
    """The refusal's Retry-After header: whole seconds, at least one."""
    return str(max(1, math.ceil((refusal.retry_at - now).total_seconds())))


def submit(form: ConsumerRequestForm, now: datetime, *, idempotency_key: str | None = None) -> tuple[Referral, bool]:
    """Store a valid request and route it. Returns the referral and whether it is new.

    Asking twice never puts one person before two agents. A retry with the same
    Idempotency-Key finds the referral of the first call (the same key with other details
    raises `KeyReused`, nothing stored: a client reusing keys must not lose a consumer's
    request to another's answer); so does the same request (names,
    phone, ZIP, language: `fingerprint_of`) while its referral still looks for an agent,
    whatever page or key it came with. No look-up first: retries are rare, requests not.
    The referral's INSERT, the transaction's first write, fails on the unique key or the
    one open fingerprint before any routing, and the earlier referral is read. Should
    that one have just been accepted or closed (nothing open to find), the request is
    stored afresh: a consumer may ask again once their first request is answered. Asking
    again is written in the referral's log ("asked_again"), for operators reading why a
    consumer waited; a retry of the same key is the client's, not the consumer's, and is not.

    A new request for a phone number that already made HOD_REQUESTS_PER_PHONE within
    HOD_REQUESTS_PER_PHONE_HOURS raises `PhoneLimitReached`, nothing stored: nobody can set
    agents calling someone else's number over and over. Asking again and retries are still
    answered with the earlier referral. The count is exact however many arrive at once:
    requests for one number take turns (an advisory lock on PostgreSQL; SQLite's write lock).
    """
    data = form.cleaned_data
    place: Place = form.place  # type: ignore[assignment]
    fingerprint = fingerprint_of(
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"],
        zip_code=place.zip_code,
        language=data["language"],
    )
    attempt = 1
    while True:
        try:
            return _stored(data, place, now, idempotency_key, fingerprint), True
        except (IntegrityError, PhoneLimitReached) as refusal:
            earlier = _earlier(idempotency_key, fingerprint, now)
            if earlier is not None:
                return earlier, False
            if isinstance(refusal, PhoneLimitReached):
                limit, hours = settings.HOD_REQUESTS_PER_PHONE, settings.HOD_REQUESTS_PER_PHONE_HOURS
                logger.warning("intake refused a request: its phone number made %s requests in %s hours", limit, hours)
                raise
            if attempt == ATTEMPTS:
                raise
            attempt += 1


# Stored afresh at most this often when the earlier request keeps changing under us.
ATTEMPTS = 3
# The log keeps this many "asked again" of one referral: enough to tell a consumer who kept
# trying, not a row per request of a script sending the same one over and over.
ASKED_AGAIN_KEPT = 20


# Plain SQL on the `referral_by_phone` index: every consumer passes here, and the ORM's
# compilation of this query cost more than the query.
PHONE_REQUESTS_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM referrals_referral WHERE phone = %s AND created_at > %s LIMIT %s) AS recent"
)


# Requests for one number wait on each other until commit, so that their count is exact.
PHONE_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(%s))"


def _check_phone(phone: str, now: datetime) -> None:
    """Inside the request's transaction: PhoneLimitReached once the number has made
    HOD_REQUESTS_PER_PHONE requests within HOD_REQUESTS_PER_PHONE_HOURS."""
    limit = settings.HOD_REQUESTS_PER_PHONE
    if not limit:
        return
    window = timedelta(hours=settings.HOD_REQUESTS_PER_PHONE_HOURS)
    since = now - window
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # SQLite's IMMEDIATE transactions already take turns
            cursor.execute(PHONE_LOCK_SQL, [f"intake-phone:{phone}"])
        cursor.execute(PHONE_REQUESTS_SQL, [phone, connection.ops.adapt_datetimefield_value(since), limit])
        (recent,) = cursor.fetchone()
    if recent >= limit:
        recent_times = Referral.objects.filter(phone=phone, created_at__gt=since).order_by("-created_at")
        oldest_counted = recent_times.values_list("created_at", flat=True)[limit - 1]
        raise PhoneLimitReached(oldest_counted + window)


def _earlier(idempotency_key: str | None, fingerprint: str, now: datetime) -> Referral | None:
    """The referral this request repeats: the one of its Idempotency-Key, or the same request
    still open (that one's log notes the consumer asked again)."""
    by_key = _by_key(idempotency_key)
    if by_key is not None:
        if _fingerprint(by_key) != fingerprint:  # the same request as everywhere: `fingerprint_of`
            raise KeyReused
        return by_key
    waiting = Referral.objects.filter(fingerprint=fingerprint, status__in=OPEN_STATUSES).first()
    if waiting is not None:
        _note_asked_again(waiting, now)
    return waiting


def _by_key(idempotency_key: str | None) -> Referral | None:
    # Erasing a referral's personal data also forgets its key: a key found has its details.
    return Referral.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None


def _fingerprint(referral: Referral) -> str:
    """What the stored referral asked, from its own fields (referrals stored before
    fingerprints have none in their column)."""
    return fingerprint_of(
        first_name=referral.first_name,
        last_name=referral.last_name,
        phone=referral.phone,
        zip_code=referral.zip_code,
        language=referral.language,
    )


def _note_asked_again(referral: Referral, now: datetime) -> None:
    if Event.objects.filter(referral=referral, kind="asked_again").count() < ASKED_AGAIN_KEPT:
        record("asked_again", at=now, actor="consumer", referral=referral)


def _stored(
    data: Mapping[str, Any], place: Place, now: datetime, idempotency_key: str | None, fingerprint: str
) -> Referral:
    with transaction.atomic():
        _check_phone(data["phone"], now)
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
            fingerprint=fingerprint,
        )
        add(referral)  # one plain INSERT (lib.inserts): every consumer passes here
        # Written with the routing decision's own event and messages: a round trip each.
        received = event("received", now, actor="consumer", referral=referral, language=referral.language)
        acknowledgement = outbox.consumer_message(
            referral, "consumer_received", {"location": referral.location_label, "language": referral.language}, now
        )
        route(referral, now, rank=1, events=[received], messages=[acknowledgement])
    return referral  # routing kept `status` up to date on this instance
