from __future__ import annotations

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lib.phones import replace_phone_numbers


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PUSH = "push", _("App notification")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.IntegerChoices):
    URGENT = 0, _("Urgent")  # a direct offer, a consumer's update, an account message
    BULK = 1, _("Bulk")  # a safety-net notice to a whole state


class Message(models.Model):
    """The outbox: one message to one address on one channel, written in the same
    transaction as the state change that causes it, delivered later by the dispatcher."""

    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    to = models.CharField(max_length=254, verbose_name=_("recipient"))
    template = models.CharField(max_length=60, verbose_name=_("template"))
    language = models.CharField(max_length=8, default="en", verbose_name=_("language"))
    data = models.JSONField(default=dict, verbose_name=_("data"))
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )
    offer = models.ForeignKey(
        "referrals.Offer", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("offer")
    )
    # The referral a notice is about (offers, safety net, the consumer's updates): what an
    # acceptance cancels by, in one indexed statement, however many notices a state got.
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("referral"),
    )
    state = models.CharField(
        max_length=10, choices=MessageState.choices, default=MessageState.QUEUED, verbose_name=_("delivery state")
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    # Bulk messages (a fan-out to a state) never hold up an urgent one on the same channel.
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.URGENT, verbose_name=_("priority")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # Used by notifications.delivery.deliver_due: each channel's delivery loop. The
            # claim's whole order, so a backlog is read a claim at a time, not sorted whole.
            models.Index(
                fields=["channel", "priority", "due_at", "id"], name="message_due", condition=Q(state="queued")
            ),
            # Used by notifications.outbox.cancel_for_referral.
            models.Index(fields=["referral"], name="message_queued_referral", condition=Q(state="queued")),
        ]

    def __str__(self) -> str:
        return f"{self.template} by {self.channel}, message {self.pk} ({self.state})"  # no address: see without_address

    @property
    def to_consumer(self) -> bool:
        """A message to a consumer about their own request, whose address is theirs to keep
        private (R-SEC-1): shown only on the referral's audited page."""
        return self.agent_id is None and self.referral_id is not None

    def without_address(self, text: str) -> str:
        """`text` (a provider's refusal, a bounce report) with this message's address taken
        out, in whatever form a provider echoes it (+16025550134, 16025550134,
        (602) 555-0134, any case of an email address): errors are kept in the outbox, its
        attempts and the logs, where operators read them."""
        if self.to.startswith("+"):
            text = replace_phone_numbers(text, "<recipient>", only=self.to)
        return re.sub(re.escape(self.to), "<recipient>", text, flags=re.IGNORECASE) if self.to else text


class Attempt(models.Model):
    """One delivery attempt and what came of it."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="delivery_attempts", verbose_name=_("message")
    )
    at = models.DateTimeField(verbose_name=_("time"))
    ok = models.BooleanField(verbose_name=_("delivered"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration (ms)"))

    def __str__(self) -> str:
        return f"attempt at {self.at:%H:%M:%S}: {'ok' if self.ok else self.error}"


class PushSubscription(models.Model):
    """One device of an agent's that takes app notifications (Web Push, R-PORTAL-5), as the
    browser's push service handed it to the portal's service worker."""

    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("agent")
    )
    endpoint = models.URLField(max_length=1000, unique=True, verbose_name=_("push endpoint"))
    p256dh = models.CharField(max_length=200, verbose_name=_("public key (P-256)"))
    auth = models.CharField(max_length=100, verbose_name=_("auth secret"))
    user_agent = models.CharField(max_length=300, blank=True, verbose_name=_("browser"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # Set when the push service says the subscription is gone (404/410): never used again.
    disabled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("disabled at"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))

    def __str__(self) -> str:
        return f"push to agent {self.agent_id} via {self.endpoint[:40]}…"

    def info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
