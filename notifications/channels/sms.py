"""Texts through a Twilio-compatible REST API (R-NOTIFY-1).

`POST {HOD_SMS_API_URL}/2010-04-01/Accounts/{sid}/Messages.json` with `To`, `From` and `Body`,
HTTP basic auth with the account SID and token. The provider's answer decides what happens:
2xx sent; an error that names the number (invalid, not a mobile, unsubscribed) is permanent
for that number; throttling, server errors, timeouts and refused connections are retried by
the delivery loop with back-off. Nothing here runs inside a database transaction.
"""

from __future__ import annotations

from functools import cache

import httpx
from django.conf import settings

from notifications.channels.base import BaseChannel, DeliveryError, Rendered

# Twilio's error codes that mean "this number cannot receive our texts": retrying is useless.
# 21211 invalid 'To', 21612 cannot route to it, 21614 not a mobile number, 21610 the
# recipient replied STOP, 21408 region not enabled for it.
PERMANENT_CODES = frozenset({21211, 21408, 21610, 21612, 21614})


@cache
def _client() -> httpx.Client:
    """One pooled client per process: connections to the provider are reused."""
    return httpx.Client(timeout=settings.HOD_SMS_TIMEOUT_SECONDS, follow_redirects=False)


def _error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, int) else None


class SmsChannel(BaseChannel):
    def send(self, message: Rendered) -> None:
        sid = settings.HOD_SMS_ACCOUNT_SID
        url = f"{settings.HOD_SMS_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        form = {"To": message.to, "From": settings.HOD_SMS_FROM, "Body": message.body}
        try:
            response = _client().post(url, data=form, auth=(sid, settings.HOD_SMS_AUTH_TOKEN))
        except httpx.TimeoutException as error:
            raise DeliveryError(f"SMS provider timed out: {type(error).__name__}") from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"SMS provider unreachable: {type(error).__name__}: {error}") from error
        if response.is_success:
            return
        code = _error_code(response)
        reason = f"SMS provider answered {response.status_code}" + (f" (error {code})" if code else "")
        if code in PERMANENT_CODES:
            raise DeliveryError(f"{reason}: the number cannot receive texts", permanent=True)
        # 401/403 are our credentials, 429 and 5xx the provider's state: all worth retrying.
        raise DeliveryError(reason)
