"""Safety-net fan-out: every registered agent licensed in the state gets an offer row and
an email in the outbox, in one transaction (target: 10,000 recipients enqueued in ≤ 2 s).

    .venv/bin/python bench/safety_net.py [--state TX] [--runs 5]
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


if __name__ == "__main__":
    main()
