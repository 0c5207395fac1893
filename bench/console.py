"""The operator console on a week of open enrollment: how long its page takes.

    .venv/bin/python bench/console.py [--referrals 200000] [--n 20]

Fills the benchmark database (100,000 agents) with `--referrals` referrals spread over the
last seven days, each with one direct offer — mostly accepted within minutes, some missed,
some in the safety net, a few unserved, the newest still offered — then times the console
page itself (`GET /admin/operations/`, the live queue and a week of service levels) through
Django's test client, signed in as staff. There is no target in the issues; the figure says
whether operators can keep the page open during open enrollment.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

import common


def fill(n: int) -> None:
    from django.utils import timezone

    from lib.inserts import add_all
    from referrals.models import Offer, OfferKind, Outcome, Referral, Status

    common.reset_referrals()
    rnd = random.Random(3)
    now = timezone.now()
    from agents.models import Agent

    agent_ids = list(Agent.objects.filter(eligible=True).values_list("pk", flat=True)[:5000])
    for start in range(0, n, 20_000):
        referrals, fates = [], []
        for _ in range(start, min(n, start + 20_000)):
            created = now - timedelta(seconds=rnd.uniform(0, 7 * 86400))
            fate = rnd.choices(["accepted", "missed", "safety_net", "unserved", "offered"], [80, 8, 5, 2, 5])[0]
            if fate == "offered":
                created = now - timedelta(seconds=rnd.uniform(0, 900))
            wait = timedelta(seconds=rnd.expovariate(1 / 300))
            referrals.append(
                Referral(
                    first_name="Bench",
                    last_name="Consumer",
                    phone="+16025550100",
                    zip_code="85004",
                    city="Phoenix",
                    county="Maricopa",
                    state=rnd.choice(["AZ", "TX", "FL", "GA", "NC"]),
                    lat=33.45,
                    lon=-112.07,
                    language=rnd.choice(["en", "es"]),
                    consent_at=created,
                    plan_year=2027,
                    created_at=created,
                    status={"missed": Status.ACCEPTED, "offered": Status.OFFERED}.get(fate, fate),
                    accepted_at=created + wait if fate in ("accepted", "missed") else None,
                    safety_net_at=created + timedelta(minutes=15) if fate in ("safety_net", "unserved") else None,
                )  # fmt: skip
            )
            fates.append(fate)
        add_all(referrals)
        offers = [
            Offer(
                referral=r,
                agent_id=rnd.choice(agent_ids),
                kind=OfferKind.DIRECT,
                offered_at=r.created_at,
                expires_at=r.created_at + timedelta(minutes=15),
                rank=1,
                distance_miles=1.0,
                outcome={"accepted": Outcome.ACCEPTED, "offered": Outcome.PENDING}.get(fate, Outcome.EXPIRED),
                decided_at=None if fate == "offered" else r.created_at + timedelta(minutes=15),
            )  # fmt: skip
            for r, fate in zip(referrals, fates, strict=True)
        ]
        add_all(offers)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral; ANALYZE referrals_offer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    common.setup(args.agents)
    from django.contrib.auth import get_user_model
    from django.test import Client

    started = time.perf_counter()
    fill(args.referrals)
    print(f"filled {args.referrals:,} referrals and their offers in {time.perf_counter() - started:.1f} s")
    baseline = common.raw_insert_baseline()
    user, _ = get_user_model().objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    client = Client()
    client.force_login(user)
    samples = []
    for _ in range(args.n + 2):
        started = time.perf_counter()
        response = client.get("/admin/operations/", HTTP_HOST="localhost")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    common.report(f"operator console page, {args.referrals:,} referrals in the week", samples[2:], baseline)
    common.reset_referrals()


if __name__ == "__main__":
    main()
