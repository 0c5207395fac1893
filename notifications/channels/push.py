"""App notifications as standard Web Push (RFC 8030/8291/8292) to every device the agent
turned them on for (R-NOTIFY-1, R-PORTAL-5).

The message's address is "agent:<id>": all of that agent's live subscriptions. The payload is
encrypted for each device (aes128gcm) and signed with our VAPID key by pywebpush; the
portal's service worker shows it and opens its link. A subscription the push service calls
gone (404, 410) is disabled for good; throttling, server errors and timeouts are retried by
the delivery loop (a device that already got it may get it once more: at most one duplicate).
"""

from __future__ import annotations

import json
import logging

import requests
from django.conf import settings
from django.utils import timezone
from pywebpush import WebPushException, webpush

from notifications.channels.base import BaseChannel, DeliveryError, Rendered
from notifications.models import PushSubscription
from notifications.vapid import vapid

logger = logging.getLogger(__name__)
GONE = (404, 410)


def payload(message: Rendered) -> str:
    lines = message.body.splitlines()
    link = lines[-1] if lines and lines[-1].startswith(("http://", "https://")) else ""
    body = "\n".join(lines[:-1] if link else lines)
    prefix = f"{message.subject}: "
    return json.dumps({
        "title": message.subject,
        "body": body[len(prefix):] if body.startswith(prefix) else body,
        "url": link or "/referrals/",
    })  # fmt: skip


class PushChannel(BaseChannel):
    def send(self, message: Rendered) -> None:
        agent_id = message.to.removeprefix("agent:")
        devices = list(PushSubscription.objects.filter(agent_id=agent_id, disabled_at__isnull=True))
        if not devices:
            return  # app notifications are on, but on no device yet: nothing to send
        data, retry = payload(message), []
        claims = {"sub": settings.HOD_VAPID_SUBJECT}
        for device in devices:
            try:
                webpush(
                    device.info(), data=data, vapid_private_key=vapid(), vapid_claims=dict(claims),
                    timeout=settings.HOD_PUSH_TIMEOUT_SECONDS, ttl=15 * 60,
                )  # fmt: skip
            except WebPushException as error:
                status = error.response.status_code if error.response is not None else None
                reason = f"push service answered {status}" if status else f"push failed: {error}"
                if status in GONE:
                    PushSubscription.objects.filter(pk=device.pk).update(
                        disabled_at=timezone.now(), last_error=reason[:300]
                    )
                    continue
                retry.append(reason)
            except requests.RequestException as error:
                retry.append(f"push service unreachable: {type(error).__name__}")
        if retry:
            raise DeliveryError("; ".join(retry)[:500])
