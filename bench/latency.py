"""Intake commit → first channel hand-off (target p99 ≤ 1 s with the dispatcher running),
against 100,000 agents on PostgreSQL, with real protocol peers on loopback.

    .venv/bin/python bench/latency.py [--rate 10] [--seconds 30] [--poll 1]

One dispatcher process (`manage.py dispatch`, woken by LISTEN/NOTIFY; `--poll` is its idle
poll) sends email to an SMTP server (aiosmtpd) and texts to a Twilio-compatible stand-in,
both in this process, which note when each message arrives. This process takes consumer
requests through the real intake path (form, then submit) at `--rate` a second, on a
weekday-morning clock shared with the dispatcher, and notes when each commit returned. A
request's latency is its offer's first arrival on any channel minus its commit.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time

import common
from expiry import weekday_morning_offset

OFFER_LINK = re.compile(r"/referrals/offers/(\d+)/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--poll", type=float, default=1, help="the dispatcher's idle poll, seconds")
    parser.add_argument("--agents", type=int, default=100_000)
    args = parser.parse_args()
    common.setup(args.agents)
    baseline = common.raw_insert_baseline()

    from datetime import timedelta

    from django.utils import timezone

    from intake.services import request_form, submit
    from notifications.tests.peers import SmsProvider, smtp_server
    from referrals.models import Offer

    common.reset_referrals()
    provider = SmsProvider()
    provider.start()
    offset = weekday_morning_offset()
    with smtp_server() as (inbox, smtp_port):
        env = {
            **os.environ,
            "HOD_DISPATCH_POLL_SECONDS": str(int(args.poll)),
            "HOD_CHANNEL_EMAIL": "notifications.channels.email.EmailChannel",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "HOD_CHANNEL_SMS": "notifications.channels.sms.SmsChannel",
            "HOD_SMS_API_URL": provider.url,
            "HOD_SMS_ACCOUNT_SID": "ACbench",
            "HOD_SMS_AUTH_TOKEN": "bench",
            "HOD_SMS_FROM": "+16025550000",
            "HOD_SMS_PER_SECOND": "100",
            "HOD_EMAIL_PER_SECOND": "100",
        }
        dispatcher = subprocess.Popen(
            [sys.executable, "bench/dispatch_at.py", str(offset)], cwd=common.ROOT, env=env, stdout=subprocess.PIPE
        )
        try:
            dispatcher.stdout.readline()  # type: ignore[union-attr] # "ready"
            time.sleep(1)  # and listening
            rnd = random.Random(11)
            from agents.demo import POPULATION, _places_by_state
            from eligibility.services import served_states

            states = sorted(served_states(2027) & POPULATION.keys())
            places = _places_by_state(set(states))
            commits: dict[int, float] = {}
            total = int(args.rate * args.seconds)
            started = time.perf_counter()
            for i in range(total):
                due = started + i / args.rate
                if (delay := due - time.perf_counter()) > 0:
                    time.sleep(delay)
                place = rnd.choice(places[rnd.choices(states, [POPULATION[s] for s in states])[0]])
                now = timezone.now() + timedelta(seconds=offset)
                form = request_form(
                    {"first_name": "Bench", "last_name": "Consumer", "phone": f"602-555-{i % 10000:04d}",
                     "zip_code": place.zip_code, "language": rnd.choice(["en"] * 6 + ["es"] * 3 + ["vi"]),
                     "consent": True},
                    now,
                )  # fmt: skip
                if not form.is_valid():
                    continue
                referral, _new = submit(form, now)
                commits[referral.pk] = time.perf_counter()
            time.sleep(10)  # the last messages arrive
        finally:
            dispatcher.terminate()
            dispatcher.wait(timeout=30)
            provider.stop()
    # Each peer noted when every message arrived: the first arrival per offer counts.
    arrivals: dict[int, float] = {}
    received = [(at, m.get_content()) for at, m in zip(inbox.arrived_at, inbox.messages, strict=True)]
    received += [(float(r["at"]), r.get("Body", "")) for r in provider.requests]
    for at, text in sorted(received):
        if match := OFFER_LINK.search(text):
            arrivals.setdefault(int(match.group(1)), at)
    offers = dict(Offer.objects.filter(referral_id__in=commits, kind="direct", rank=1).values_list("pk", "referral_id"))
    latencies = [arrivals[offer] - commits[referral] for offer, referral in offers.items() if offer in arrivals]
    missing = len(offers) - len(latencies)
    print(
        f"{len(commits):,} requests at {args.rate:g}/s; {len(offers):,} got a direct offer "
        f"(the rest went to the safety net); {missing} offers not seen on any channel within 10 s"
    )
    common.report("intake commit → first channel hand-off", latencies, baseline, target_ms=1000)


if __name__ == "__main__":
    main()
