"""App notifications as Web Push, against a push service on loopback that verifies our VAPID
signature and decrypts the payload as the subscribed browser would (R-NOTIFY-1, R-PORTAL-5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from hod.testing import WEEKDAY_MORNING, request_referral, signed_in
from notifications import vapid
from notifications.delivery import channel, deliver_due
from notifications.models import Message, MessageState, PushSubscription
from notifications.tests.peers import PushService

pytestmark = pytest.mark.django_db
NOW = WEEKDAY_MORNING


@pytest.fixture
def service(settings: Any, tmp_path: Any) -> Iterator[PushService]:
    peer = PushService()
    peer.start()
    settings.HOD_CHANNELS = {**settings.HOD_CHANNELS, "push": "notifications.channels.push.PushChannel"}
    settings.HOD_PUSH_ALLOW_HTTP = True
    settings.HOD_VAPID_PRIVATE_KEY_FILE = str(tmp_path / "vapid.pem")
    channel.cache_clear()
    vapid.vapid.cache_clear()
    yield peer
    peer.stop()
    vapid.vapid.cache_clear()


def subscribe(client: Client, endpoint: str, p256dh: str, auth: str) -> Any:
    body = {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}
    return client.post("/push/subscriptions/", json.dumps(body), content_type="application/json")


def test_a_new_offer_is_pushed_signed_and_encrypted_to_the_agents_device(service: PushService) -> None:
    _ana, client = signed_in("Ana", languages=["es"], contact="email_app")
    answer = subscribe(client, service.endpoint, service.p256dh, service.auth)
    assert answer.json() == {"ok": True, "message": "App notifications are on for this device."}
    assert f'data-key="{vapid.public_key()}"' in client.get("/profile/").content.decode()

    referral = request_referral(NOW)
    assert deliver_due(NOW) == 3  # the email, the push, and Carmen's acknowledgement
    [push] = service.received
    assert push["vapid"] == "ok" and push["ttl"] == "900"
    offer_id = referral.offers.get().pk
    assert push["payload"] == {
        "title": "New Help On Demand referral",
        "body": "A consumer in Phoenix, Maricopa, AZ asked for help with Marketplace coverage. "
        "Accept or reject by 10:15 AM MST: after that the referral goes to the next agent.",  # the offer's deadline
        "url": f"{settings.SITE_URL.rstrip('/')}/referrals/offers/{offer_id}/",
    }
    assert Message.objects.get(channel="push").state == MessageState.SENT


def test_a_subscription_the_push_service_calls_gone_is_never_used_again(service: PushService) -> None:
    _ana, client = signed_in("Ana", languages=["es"], contact="email_app")
    subscribe(client, service.endpoint, service.p256dh, service.auth)
    service.statuses = [410]
    request_referral(NOW)
    deliver_due(NOW)
    device = PushSubscription.objects.get()
    assert device.disabled_at is not None and "410" in device.last_error
    request_referral(NOW + timedelta(minutes=20), phone="602-555-0177")
    deliver_due(NOW + timedelta(minutes=20))
    assert len(service.received) == 1  # nothing more was pushed to it
    assert "App notifications reach 0 devices." in client.get("/profile/").content.decode()


def test_a_push_service_error_is_retried(service: PushService) -> None:
    _ana, client = signed_in("Ana", languages=["es"], contact="email_app")
    subscribe(client, service.endpoint, service.p256dh, service.auth)
    service.statuses = [503]
    request_referral(NOW)
    deliver_due(NOW)
    message = Message.objects.get(channel="push")
    assert message.state == MessageState.QUEUED and "push service answered 503" in message.last_error
    deliver_due(message.due_at)
    message.refresh_from_db()
    assert message.state == MessageState.SENT and len(service.received) == 2


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}}, "endpoint", "Enter a valid URL."),
        ({"endpoint": "https://push.example/1", "keys": {"p256dh": "AAAA", "auth": "y"}}, "p256dh", "Not a P-256"),
        ({"endpoint": "https://push.example/1", "keys": {"p256dh": None}}, "auth", "This field is required."),
    ],
)
def test_bad_subscriptions_are_refused_by_field_and_nothing_is_stored(
    service: PushService, body: dict[str, Any], field: str, error: str
) -> None:
    _ana, client = signed_in("Ana")
    answer = client.post("/push/subscriptions/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 400 and answer.json()["errors"][field][0].startswith(error)
    garbage = client.post("/push/subscriptions/", "{oops", content_type="application/json")
    assert garbage.status_code == 400 and "Send the subscription as JSON." in garbage.json()["errors"]["body"][0]
    assert not PushSubscription.objects.exists()
    assert Client().post("/push/subscriptions/", "{}", content_type="application/json").status_code == 302
