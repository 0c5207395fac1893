"""Deadline to re-offer: 10,000 offers expire at the same instant, two dispatchers route
them on (target: each referral re-offered within 2 s of its deadline, p99).

    .venv/bin/python bench/expiry.py [--offers 10000] [--dispatchers 2] [--loops routing]

The offers are laid in bulk, all due at one instant a few seconds ahead; the dispatchers
start before it. A poller counts expired offers every 20 ms: the k-th offer's lag is when
the count first reached k, minus the deadline.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import common


def weekday_morning_offset() -> float:
    """Seconds from now to the next weekday at 11:00 Central, when most agents work."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    target = now.replace(hour=17, minute=0, second=0, microsecond=0)
    while target <= now or target.weekday() >= 5:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def lay_offers(count: int, due_in: float, offset: float = 0.0) -> float:
    from django.db import connection
    from django.utils import timezone

    from eligibility.models import Coverage
    from geo.zips import lookup
    from referrals.models import Offer, Referral

    common.reset_referrals()
    rnd = random.Random(3)
    pool = list(
        Coverage.objects.filter(plan_year=2027).values_list("agent_id", "state", "language", "agent__zip_code")[
            :200_000
        ]
    )
    now = timezone.now() + timedelta(seconds=offset)
    deadline = now + timedelta(seconds=due_in)
    picks = [rnd.choice(pool) for _ in range(count)]
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                public_id=uuid.uuid4(), first_name="Bench", last_name="Consumer", phone="+16025550134",
                zip_code=zip_code, city=(place := lookup(zip_code)).city, county=place.county, state=state,
                lat=place.lat, lon=place.lon, language=language, consent_at=now, plan_year=2027,
                status="offered", created_at=now,
            )
            for _, state, language, zip_code in picks
        ],
        batch_size=2000,
    )  # fmt: skip
    Offer.objects.bulk_create(
        [
            Offer(
                referral=referral,
                agent_id=agent_id,
                offered_at=now - timedelta(minutes=15),
                expires_at=deadline,
                rank=1,
            )
            for referral, (agent_id, *_rest) in zip(referrals, picks, strict=True)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return deadline.timestamp() - offset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--dispatchers", type=int, default=2)
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--at", choices=["morning", "now"], default="morning", help="the dispatchers' clock")
    parser.add_argument("--loops", default="", help="the dispatchers' loops, as `dispatch --loops` (default all)")
    parser.add_argument("--batch", type=int, default=None, help="HOD_EXPIRY_BATCH for the dispatchers")
    args = parser.parse_args()
    common.setup(args.agents)
    baseline = common.raw_insert_baseline()
    offset = weekday_morning_offset() if args.at == "morning" else 0.0
    deadline = lay_offers(args.offers, due_in=8, offset=offset)
    from django.db import connection

    env = {**os.environ, "HOD_DISPATCH_POLL_SECONDS": "0"}
    if args.batch:
        env["HOD_EXPIRY_BATCH"] = str(args.batch)
    procs = [
        subprocess.Popen(
            [sys.executable, "bench/dispatch_at.py", str(offset), args.loops],
            cwd=common.ROOT,
            env=env,
            stdout=subprocess.PIPE,
        )
        for _ in range(args.dispatchers)
    ]
    for proc in procs:
        proc.stdout.readline()  # type: ignore[union-attr] # "ready", well before the deadline
    reached: list[float] = []
    try:
        with connection.cursor() as cursor:
            limit = time.time() + 600
            while len(reached) < args.offers and time.time() < limit:
                cursor.execute("select count(*) from referrals_offer where outcome = 'expired'")
                done = cursor.fetchone()[0]
                seen = time.time()
                reached.extend([seen - deadline] * (done - len(reached)))
                time.sleep(0.02)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    loops = args.loops or "all loops"
    print(
        f"{len(reached):,} of {args.offers:,} offers expired and routed on by {args.dispatchers} dispatchers ({loops})"
    )
    common.report(f"deadline-to-re-offer lag, {args.offers:,} at once", [max(0.0, r) for r in reached], baseline, 2000)
    rate = len(reached) / max(reached) if reached and max(reached) > 0 else float("nan")
    print(f"  throughput: {rate:,.0f} re-routes/s")


if __name__ == "__main__":
    main()
