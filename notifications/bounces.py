"""Hard bounces: a mail server's delivery status notification (RFC 3464) about an email we
sent, read from the bounce mailbox (`manage.py ingest_bounces`).

An address that failed for good (`Action: failed`, a 5.x.x status) is disabled like any other
permanent failure (notifications.destinations): the agent is told on their other channels and
in the portal. Delays and 4.x.x statuses change nothing: the mail server is still trying.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import Message as MailMessage

from django.db import transaction
from django.utils.translation import gettext as _

from notifications import destinations
from notifications.models import Channel, Message, MessageState


class NotABounce(ValueError):
    """The mail is not a delivery status notification we can read."""


@dataclass(frozen=True)
class Bounce:
    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")

    @property
    def reason(self) -> str:
        """The receiving server's own words, shown to the agent as why email stopped."""
        return (self.diagnostic or self.status)[:300]


def _field(block: MailMessage, name: str) -> str:
    value = " ".join(str(block.get(name, "")).split())  # unfolded
    # Typed fields ("rfc822; ana@example.com", "smtp; 550 …") keep what follows the type.
    return value.split(";", 1)[1].strip() if ";" in value else value


def parse(raw: bytes) -> list[Bounce]:
    """The per-recipient reports of a DSN. NotABounce says why a mail is not one."""
    mail = email.message_from_bytes(raw, policy=email.policy.compat32)
    if mail.get_content_type() != "multipart/report":
        raise NotABounce(
            _("not a delivery status notification (Content-Type is %(type)s)") % {"type": mail.get_content_type()}
        )
    report = next((p for p in mail.walk() if p.get_content_type() == "message/delivery-status"), None)
    if report is None:
        raise NotABounce(_("the report has no message/delivery-status part"))
    blocks = report.get_payload()
    if not isinstance(blocks, list) or len(blocks) < 2:
        raise NotABounce(_("the delivery-status part names no recipient"))
    bounces = []
    for number, block in enumerate(blocks[1:], start=1):
        recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
        action, status = _field(block, "Action").lower(), _field(block, "Status")
        if not recipient or "@" not in recipient or not action or not status:
            raise NotABounce(
                _("recipient block %(number)d lacks Final-Recipient, Action or Status") % {"number": number}
            )
        bounces.append(Bounce(recipient.strip("<>"), action, status, _field(block, "Diagnostic-Code")))
    return bounces


def apply(bounces: list[Bounce], now: datetime) -> list[str]:
    """Disable each hard-bounced address; returns one line per recipient saying what was done."""
    lines = []
    for bounce in bounces:
        if not bounce.permanent:
            lines.append(
                _("%(to)s: %(action)s %(status)s, not a hard bounce: nothing changed")
                % {"to": bounce.recipient, "action": bounce.action, "status": bounce.status}
            )
            continue
        with transaction.atomic():
            message = (
                Message.objects.select_for_update()
                .filter(channel=Channel.EMAIL, to__iexact=bounce.recipient, state=MessageState.SENT)
                .order_by("-sent_at")
                .first()
            )
            if message is None:
                lines.append(_("%(to)s: we sent no email to this address: nothing changed") % {"to": bounce.recipient})
                continue
            Message.objects.filter(pk=message.pk).update(
                state=MessageState.FAILED, last_error=message.without_address(f"bounced: {bounce.reason}")[:500]
            )
            disabled = destinations.disable(message, bounce.reason, now)
        done = _("email disabled for the agent") if disabled else _("message marked failed")
        lines.append(f"{bounce.recipient}: {bounce.status} — {done}")
    return lines
