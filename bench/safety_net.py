"""Safety-net fan-out: every registered agent licensed in the state gets an offer row and
an email in the outbox, in one transaction (target: 10,000 recipients enqueued in ≤ 2 s).
Then the sending: one dispatcher emails them to an SMTP server on loopback at the configured
rate, until an agent takes the referral; how many more go out after the take?

    .venv/bin/python bench/safety_net.py [--state TX] [--runs 5] [--rate 100] [--send-seconds 10]
"""

from __future__ import annotations

import argparse
import time
import uuid

import common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", default="TX")
    parser.add_argument("--zip", default="77002")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=100, help="HOD_EMAIL_PER_SECOND for the sending")
    parser.add_argument("--send-seconds", type=float, default=10, help="0: skip the sending")
    args = parser.parse_args()
    common.setup(args.agents)
    baseline = common.raw_insert_baseline()

    from django.db import transaction
    from django.utils import timezone

    from geo.zips import lookup
    from referrals.models import Referral
    from routing.actions import escalate_to_safety_net

    place = lookup(args.zip)
    samples, recipients = [], 0
    for _ in range(args.runs):
        now = timezone.now()
        with transaction.atomic():
            referral = Referral.objects.create(
                public_id=uuid.uuid4(), first_name="Bench", last_name="Consumer", phone="+16025550134",
                zip_code=place.zip_code, city=place.city, county=place.county, state=place.state, lat=place.lat,
                lon=place.lon, language="es", consent_at=now, plan_year=2027, created_at=now,
            )  # fmt: skip
            started = time.perf_counter()
            recipients = escalate_to_safety_net(referral, now)
        samples.append(time.perf_counter() - started)  # includes the COMMIT
    print(f"{recipients:,} recipients in {args.state} per referral")
    common.report(f"safety-net fan-out to {recipients:,} agents", samples, baseline, target_ms=2000)
    if args.send_seconds:
        send(place, args.rate, args.send_seconds)


def send(place: object, rate: float, seconds: float) -> None:
    import os
    import subprocess
    import sys

    from django.db import transaction
    from django.utils import timezone

    from notifications.models import Message
    from notifications.tests.peers import smtp_server
    from referrals.models import Offer, Referral
    from routing.actions import Result, accept, escalate_to_safety_net

    common.reset_referrals()
    with smtp_server() as (inbox, port):
        env = {
            **os.environ,
            "HOD_CHANNEL_EMAIL": "notifications.channels.email.EmailChannel",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "HOD_EMAIL_PER_SECOND": str(rate),
        }
        dispatcher = subprocess.Popen([sys.executable, "manage.py", "dispatch"], cwd=common.ROOT, env=env)
        try:
            time.sleep(3)  # started and listening
            now = timezone.now()
            with transaction.atomic():
                referral = Referral.objects.create(
                    public_id=uuid.uuid4(), first_name="Bench", last_name="Consumer", phone="+16025550134",
                    zip_code=place.zip_code, city=place.city, county=place.county, state=place.state,
                    lat=place.lat, lon=place.lon, language="es", consent_at=now, plan_year=2027, created_at=now,
                )  # fmt: skip
                recipients = escalate_to_safety_net(referral, now)
            started = time.perf_counter()
            time.sleep(seconds)
            offer = Offer.objects.select_related("agent").filter(referral=referral).first()
            assert offer is not None
            assert accept(offer.pk, offer.agent, timezone.now()) == Result.ACCEPTED
            taken = time.perf_counter()
            time.sleep(3)
        finally:
            dispatcher.terminate()
            dispatcher.wait(timeout=30)
    before = [at for at in inbox.arrived_at if started <= at < taken]
    after = [at for at in inbox.arrived_at if at >= taken]
    cancelled = Message.objects.filter(offer__referral=referral, state="cancelled").count()
    print(
        f"sending at HOD_EMAIL_PER_SECOND={rate:g}: {len(before):,} of {recipients:,} emails in "
        f"{taken - started:.1f} s = {len(before) / (taken - started):.1f}/s; after the take: {len(after)} more arrived "
        f"(in flight), {cancelled:,} cancelled"
    )


if __name__ == "__main__":
    main()
