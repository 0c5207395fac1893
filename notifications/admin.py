"""The outbox for operators: what was sent to whom, when, and why a send failed.

Read-only: only the dispatcher changes a message. A consumer's own address is not shown
here (R-SEC-1): it is on the referral's page, where every view is recorded. Secrets that a
message carries until it is sent (an invitation's sign-up link) are not shown either."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lib.admin import ReadOnlyAdmin
from notifications.models import Message
from notifications.rendering import SECRET_KEYS


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "recipient", "template", "state", "attempts", "last_error")
    list_filter = ("channel", "state", "template")
    fields = ("channel", "recipient", "template", "language", "shown_data", "agent", "offer", "referral", "state",
              "priority", "due_at", "attempts", "last_error", "created_at", "sent_at")  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("recipient"))
    def recipient(self, message: Message) -> str | SafeString:
        if not message.to_consumer:
            return message.to
        url = reverse("admin:referrals_referral_change", args=[message.referral_id])
        label = gettext("the consumer of referral %(id)s") % {"id": message.referral_id}
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("data"))
    def shown_data(self, message: Message) -> dict[str, Any]:
        hidden = gettext("(hidden)")
        return {key: hidden if key in SECRET_KEYS else value for key, value in message.data.items()}
