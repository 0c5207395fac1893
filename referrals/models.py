from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """A referral's lifecycle. The first three belong to routing; the rest to the agent."""

    OFFERED = "offered", _("Pending")
    SAFETY_NET = "safety_net", _("Safety net")
    UNSERVED = "unserved", _("Unserved")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In Progress")
    NOT_GOOD = "not_good", _("Not a Good Referral")
    COMPLETED = "completed", _("Referral Completed")


OPEN_STATUSES = (Status.OFFERED, Status.SAFETY_NET)


class Completion(models.TextChoices):
    QHP = "qhp", _("Selected a Marketplace QHP")
    MEDICAID = "medicaid", _("Referred to Medicaid")
    NAVIGATOR = "navigator", _("Referred to Navigator/Assister")
    OTHER = "other", _("Other")


class NotGoodReason(models.TextChoices):
    WRONG_CONTACT = "wrong_contact", _("Wrong contact information")
    HAS_AGENT = "has_agent", _("Already has an agent")
    UNREACHABLE = "unreachable", _("Unreachable after three attempts")


def fingerprint_of(*, first_name: str, last_name: str, phone: str, zip_code: str, language: str) -> str:
    """The same request, however it is typed again: names case-folded (the form has already
    collapsed their spaces), the phone in E.164, the five-digit ZIP. A household sharing a
    phone asks once per person; a corrected ZIP or language is a new request."""
    parts = (first_name.casefold(), last_name.casefold(), phone, zip_code, language)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Referral(models.Model):
    """A consumer's request to be contacted, with its location and lifecycle."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public ID"))
    # Personal data: shown only to the accepting agent (R-SEC-1).
    first_name = models.CharField(max_length=100, verbose_name=_("first name"))
    last_name = models.CharField(max_length=100, verbose_name=_("last name"))
    phone = models.CharField(max_length=20, verbose_name=_("phone"))
    email = models.EmailField(blank=True, verbose_name=_("email"))
    # Location: the only thing agents see before they accept (R-ROUTE-5).
    zip_code = models.CharField(max_length=5, verbose_name=_("ZIP code"))
    city = models.CharField(max_length=100, verbose_name=_("city"))
    county = models.CharField(max_length=100, verbose_name=_("county"))
    state = models.CharField(max_length=2, verbose_name=_("state"))
    lat = models.FloatField(verbose_name=_("latitude"))
    lon = models.FloatField(verbose_name=_("longitude"))
    language = models.CharField(max_length=8, verbose_name=_("language"))
    # The language of the messages the consumer gets from us (R-NOTIFY-4): the one they asked
    # for when we write it, else the one of the page they used.
    notice_language = models.CharField(max_length=8, default="en", verbose_name=_("notice language"))
    consent_at = models.DateTimeField(verbose_name=_("consent given at"))
    plan_year = models.PositiveSmallIntegerField(verbose_name=_("plan year"))

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OFFERED, verbose_name=_("status"))
    completion = models.CharField(
        max_length=20, choices=Completion.choices, blank=True, verbose_name=_("completed how")
    )
    not_good_reason = models.CharField(
        max_length=20, choices=NotGoodReason.choices, blank=True, verbose_name=_("not a good referral because")
    )
    accepted_by = models.ForeignKey(
        "agents.Agent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_referrals",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    safety_net_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent to the safety net at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    idempotency_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, verbose_name=_("idempotency key")
    )
    # What the consumer asked (fingerprint_of): while this referral still looks for an agent,
    # the same request again finds it instead of offering the same person to a second agent.
    fingerprint = models.CharField(  # noqa: DJ001 - NULL, for referrals stored before it, never conflicts
        max_length=64, null=True, blank=True, editable=False, verbose_name=_("request fingerprint")
    )
    # When the consumer's name and contact data were erased (HOD_CONSUMER_DATA_DAYS after the
    # request: referrals.retention); the referral's location, statuses and log stay.
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("personal data erased at"))
    # R-STATUS-2: contact reminders already sent to the accepting agent (at 15, then 30 minutes).
    reminders_sent = models.PositiveSmallIntegerField(default=0, verbose_name=_("reminders sent"))

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            # Used by the dispatcher's close_stale_safety_net loop.
            models.Index(fields=["safety_net_at"], name="referral_in_safety_net", condition=Q(status="safety_net")),
            # Used by the dispatcher's contact reminders: accepted, no status yet.
            models.Index(fields=["accepted_at"], name="referral_awaiting_contact", condition=Q(status="accepted")),
            # The operator console: service levels by day received, and the live queue.
            models.Index(fields=["created_at"], name="referral_received"),
            models.Index(fields=["created_at"], name="referral_waiting", condition=Q(status="offered")),
            # Intake: how many requests one phone number made lately (HOD_REQUESTS_PER_PHONE).
            models.Index(fields=["phone", "created_at"], name="referral_by_phone"),
            # The dispatcher's erasure of consumer data past HOD_CONSUMER_DATA_DAYS: oldest first.
            models.Index(fields=["created_at"], name="referral_to_erase", condition=Q(erased_at__isnull=True)),
        ]
        constraints = [
            # One open referral per request: two alike sent at once both reach the INSERT,
            # and the database lets one through (the other is answered with it).
            models.UniqueConstraint(
                fields=["fingerprint"], condition=Q(status__in=OPEN_STATUSES), name="one_open_referral_per_request"
            )
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.location_label})"

    @property
    def reference(self) -> str:
        """What the consumer can quote to the Marketplace: the start of the public id."""
        return self.public_id.hex[:8].upper()

    @property
    def location_label(self) -> str:
        return ", ".join(part for part in (self.city, self.county, self.state) if part)


class OfferKind(models.TextChoices):
    DIRECT = "direct", _("Direct")
    SAFETY_NET = "safety_net", _("Safety net")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Missed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TAKEN = "taken", _("Taken by another agent")


class Offer(models.Model):
    """One agent's chance at one referral: 15 minutes for a direct offer; until somebody
    wins for a safety-net offer."""

    # No index of their own: offer_once_per_agent leads with the referral and offer_by_agent
    # with the agent, and every index is one more write on each re-route.
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="offers", db_index=False, verbose_name=_("referral")
    )
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.CASCADE, related_name="offers", db_index=False, verbose_name=_("agent")
    )
    kind = models.CharField(max_length=12, choices=OfferKind.choices, default=OfferKind.DIRECT, verbose_name=_("kind"))
    offered_at = models.DateTimeField(verbose_name=_("offered at"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, default=Outcome.PENDING, verbose_name=_("outcome")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    rank = models.PositiveIntegerField(default=0, verbose_name=_("rank"))
    distance_miles = models.FloatField(null=True, blank=True, verbose_name=_("distance (miles)"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            # The database, not only the code, forbids two winners for one referral.
            models.UniqueConstraint(
                fields=["referral"], condition=Q(outcome="accepted"), name="one_accepted_offer_per_referral"
            ),
            # One direct offer holds a referral at a time (R-ROUTE-4).
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(outcome="pending", kind="direct"),
                name="one_pending_direct_offer_per_referral",
            ),
            # Never offer the same referral to the same agent twice in the same way.
            models.UniqueConstraint(fields=["referral", "agent", "kind"], name="offer_once_per_agent"),
        ]
        indexes = [
            # Used by routing.expiry.expire_due_offers: the dispatcher's most frequent query.
            models.Index(fields=["expires_at"], name="offer_due", condition=Q(outcome="pending")),
            models.Index(fields=["agent", "offered_at"], name="offer_by_agent"),
            # The operator console's misses of a period.
            models.Index(fields=["decided_at"], name="offer_missed", condition=Q(outcome="expired", kind="direct")),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} of referral {self.referral_id} to agent {self.agent_id}"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")


class ContactResult(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    WRONG_CONTACT = "wrong_contact", _("Wrong number or address")
    REACHED = "reached", _("Reached the consumer")


class ContactAttempt(models.Model):
    """One try by the accepting agent to reach the consumer (R-STATUS-2)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="contact_attempts", verbose_name=_("referral")
    )
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+", verbose_name=_("agent"))
    at = models.DateTimeField(verbose_name=_("time"))
    method = models.CharField(max_length=10, choices=ContactMethod.choices, verbose_name=_("method"))
    result = models.CharField(max_length=20, choices=ContactResult.choices, verbose_name=_("result"))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} at {self.at:%H:%M}: {self.get_result_display()}"


class Event(models.Model):
    """Append-only record of every state change and every view of personal data."""

    at = models.DateTimeField(db_index=True, verbose_name=_("time"))
    kind = models.CharField(max_length=40, verbose_name=_("kind"))
    actor = models.CharField(max_length=80, verbose_name=_("actor"))
    referral = models.ForeignKey(  # indexed by event_by_referral
        Referral,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        verbose_name=_("referral"),
    )
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.CASCADE, related_name="events", verbose_name=_("offer")
    )
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["referral", "at"], name="event_by_referral")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} by {self.actor}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("events are append-only")
