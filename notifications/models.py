from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254)
    template = models.CharField(max_length=60)
    language = models.CharField(max_length=8, default="en")
    data = models.JSONField(default=dict)
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey("referrals.Offer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The referral a notice is about (offers, safety net, the consumer's updates): what an
    # acceptance cancels by, in one indexed statement, however many notices a state got.
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    state = models.CharField(max_length=10, choices=MessageState.choices, default=MessageState.QUEUED)
    due_at = models.DateTimeField()
    # Bulk messages (a fan-out to a state) never hold up an urgent one on the same channel.
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.URGENT)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

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
        return f"{self.channel} to {self.to}: {self.template} ({self.state})"


class Attempt(models.Model):
    """One delivery attempt and what came of it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField()
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"attempt at {self.at:%H:%M:%S}: {'ok' if self.ok else self.error}"


class PushSubscription(models.Model):
    """One device of an agent's that takes app notifications (Web Push, R-PORTAL-5), as the
    browser's push service handed it to the portal's service worker."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    # Set when the push service says the subscription is gone (404/410): never used again.
    disabled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"push to agent {self.agent_id} via {self.endpoint[:40]}…"

    def info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
