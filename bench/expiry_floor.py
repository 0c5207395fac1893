"""The floor under the expiry target: how long PostgreSQL alone takes to write N re-routes
once every decision is made — no candidate reads, no Python decisions, no model instances,
nothing but the rows a re-route writes, as set-based SQL.

    .venv/bin/python bench/expiry_floor.py [--offers 10000] [--sessions 2]

The offers are laid as `bench/expiry.py` lays them, all due. Then `--sessions` connections
at once (the dispatchers), each with its share of the referrals, write what
`routing.actions._expire_batch` writes for them, one statement per kind of row, `--batch`
re-routes a transaction (as the dispatcher's claims): the offers marked missed, the agents
locked, the missers paused, the next agents marked offered (agent and coverage rows:
R-ROUTE-3's tie-break), the new offers, three events a re-route (missed, paused, routed) and
four messages (the offer by email and by text, the pause notice by email and by text). The
next agent is a covered agent picked at random, not routed to: what is measured is the
writing. Every miss writes a pause here; the dispatcher writes one per agent newly paused
(~9 in 10 of the bench's misses), so this floor is a couple of per cent high. `--lock-late`
locks and updates the agents just before COMMIT instead of first. Statement times are
printed per session, then the wall time from the first statement to the last commit.

If this floor is above the target, no dispatcher design that writes these rows at the
deadline can meet it on this machine: the rows would have to be fewer, or written before
the deadline, or the database given more cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import common
from expiry import lay_offers

EXPIRE = """
UPDATE referrals_offer SET outcome = 'expired', decided_at = %(now)s
WHERE referral_id = ANY(%(referrals)s) AND outcome = 'pending' AND kind = 'direct' AND expires_at <= %(now)s
RETURNING id, referral_id, agent_id, rank
"""
LOCK = "SELECT id FROM agents_agent WHERE id = ANY(%(agents)s) ORDER BY id FOR NO KEY UPDATE"
PAUSE = "UPDATE agents_agent SET paused_at = %(now)s WHERE id = ANY(%(agents)s) AND paused_at IS NULL"
MARK_AGENTS = "UPDATE agents_agent SET last_offered_at = %(now)s WHERE id = ANY(%(agents)s)"
MARK_COVERAGE = "UPDATE eligibility_coverage SET last_offered_at = %(now)s WHERE agent_id = ANY(%(agents)s)"
OFFERS = """
INSERT INTO referrals_offer (referral_id, agent_id, kind, offered_at, expires_at, outcome, rank, distance_miles)
SELECT r, a, 'direct', %(now)s, %(now)s + interval '15 minutes', 'pending', k, 3.2
FROM unnest(%(referrals)s::int8[], %(agents)s::int8[], %(ranks)s::int4[]) WITH ORDINALITY AS u(r, a, k, n)
ORDER BY n RETURNING id
"""
EVENTS = """
INSERT INTO referrals_event (at, kind, actor, data, referral_id, offer_id, agent_id)
SELECT %(now)s, kind, 'system', data, r, o, a
FROM unnest(%(kinds)s::text[], %(data)s::jsonb[], %(referrals)s::int8[], %(offers)s::int8[], %(agents)s::int8[])
    AS u(kind, data, r, o, a)
"""
MESSAGES = """
INSERT INTO notifications_message
    (channel, "to", template, language, data, state, due_at, attempts, last_error, created_at, priority,
     referral_id, offer_id, agent_id)
SELECT channel, recipient, template, 'en', data, 'queued', %(now)s, 0, '', %(now)s, 0, r, o, a
FROM unnest(%(channels)s::text[], %(recipients)s::text[], %(templates)s::text[], %(data)s::jsonb[],
            %(referrals)s::int8[], %(offers)s::int8[], %(agents)s::int8[])
    AS u(channel, recipient, template, data, r, o, a)
"""


def one_session(
    url: str, referrals: list[int], pool: list[int], now: object, batch: int, lock_late: bool, seed: int, times: dict
) -> None:
    import psycopg

    rnd = random.Random(seed)
    with psycopg.connect(url) as conn:
        for start in range(0, len(referrals), batch):
            one_batch(conn, referrals[start : start + batch], pool, now, rnd, lock_late, times)


def one_batch(
    conn: Any, referrals: list[int], pool: list[int], now: object, rnd: random.Random, lock_late: bool, times: dict
) -> None:
    def run(name: str, sql: str, **params: object) -> list[tuple]:
        started = time.perf_counter()
        cursor = conn.execute(sql, {"now": now, **params})
        rows = cursor.fetchall() if cursor.description else []
        times[name] += time.perf_counter() - started
        return rows

    gone = run("expire the due offers", EXPIRE, referrals=referrals)
    chosen = []
    for _, _, missed_by, _ in gone:
        agent = rnd.choice(pool)
        while agent == missed_by:
            agent = rnd.choice(pool)
        chosen.append(agent)
    missers = sorted({agent for _, _, agent, _ in gone})

    def agents() -> None:
        run("lock the agents", LOCK, agents=sorted(set(missers) | set(chosen)))
        run("pause the missers", PAUSE, agents=missers)
        run("mark agents offered", MARK_AGENTS, agents=sorted(set(chosen)))
        run("mark coverage offered", MARK_COVERAGE, agents=sorted(set(chosen)))

    if not lock_late:
        agents()
    offers = [
        row[0]
        for row in run(
            "insert the offers",
            OFFERS,
            referrals=[r for _, r, _, _ in gone],
            agents=chosen,
            ranks=[rank + 1 for *_, rank in gone],
        )
    ]
    kinds, data, event_referrals, event_offers, event_agents = [], [], [], [], []
    for (old, referral, missed_by, rank), offer, agent in zip(gone, offers, chosen, strict=True):
        routed = {
            "rank": rank + 1,
            "miles": 3.2,
            "chosen": agent,
            "examined": 2,
            "passed_over": [{"agent": missed_by, "miles": 1.4, "reason": "paused_after_miss"}],
        }
        for kind, payload, offer_id, agent_id in (
            ("missed", {}, old, missed_by),
            ("paused", {"offer_id": old}, old, missed_by),
            ("routed", routed, offer, agent),
        ):
            kinds.append(kind)
            data.append(json.dumps(payload))
            event_referrals.append(referral)
            event_offers.append(offer_id)
            event_agents.append(agent_id)
    run(
        "insert the events",
        EVENTS,
        kinds=kinds,
        data=data,
        referrals=event_referrals,
        offers=event_offers,
        agents=event_agents,
    )
    channels, recipients, templates, message_data, message_referrals, message_offers, message_agents = (
        [] for _ in range(7)
    )
    offer_data = json.dumps({"location": "Phoenix, Maricopa, AZ", "expires_at": "2026-12-03T17:15:18+00:00"})
    pause_data = json.dumps({"path": "/referrals/"})
    for (_, referral, missed_by, _), offer, agent in zip(gone, offers, chosen, strict=True):
        for channel, to in (("email", "agent@example.com"), ("sms", "+16025550100")):
            channels += [channel, channel]
            recipients += [to, to]
            templates += ["offer", "paused"]
            message_data += [offer_data, pause_data]
            message_referrals += [referral, None]
            message_offers += [offer, None]
            message_agents += [agent, missed_by]
    run(
        "insert the messages",
        MESSAGES,
        channels=channels,
        recipients=recipients,
        templates=templates,
        data=message_data,
        referrals=message_referrals,
        offers=message_offers,
        agents=message_agents,
    )
    if lock_late:
        agents()
    started = time.perf_counter()
    conn.commit()
    times["commit"] += time.perf_counter() - started
    times["_rows"] += len(gone)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--batch", type=int, default=250, help="re-routes a transaction, as HOD_EXPIRY_BATCH")
    parser.add_argument("--lock-late", action="store_true", help="lock and update the agents just before COMMIT")
    args = parser.parse_args()
    common.setup()
    baseline = common.raw_insert_baseline()
    lay_offers(args.offers, due_in=0)
    from django.db import connection
    from django.utils import timezone

    from eligibility.models import Coverage
    from referrals.models import Referral

    pool = sorted(set(Coverage.objects.values_list("agent_id", flat=True)))
    referrals = sorted(Referral.objects.values_list("pk", flat=True))
    connection.close()  # the sessions write on their own connections
    now = timezone.now() + timedelta(seconds=1)
    shares = [referrals[k :: args.sessions] for k in range(args.sessions)]
    timings: list[dict[str, float]] = [defaultdict(float) for _ in shares]
    threads = [
        threading.Thread(
            target=one_session,
            args=(os.environ["DATABASE_URL"], share, pool, now, args.batch, args.lock_late, k, timings[k]),
        )
        for k, share in enumerate(shares)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    done = int(sum(t["_rows"] for t in timings))
    print(
        f"{done:,} re-routes written as set-based SQL by {args.sessions} session(s), "
        f"{args.batch:,} a transaction, decisions given:"
    )
    for name in timings[0]:
        if not name.startswith("_"):
            print(f"  {name:<24}" + "  ".join(f"{t[name] * 1000:8.0f} ms" for t in timings))
    print(
        f"  wall time {wall * 1000:,.0f} ms ({done / wall:,.0f} re-routes/s; "
        f"{wall / baseline:,.0f}× a raw INSERT+COMMIT of "
        f"{baseline * 1000:.3f} ms); target for the whole re-route: 2,000 ms"
    )


if __name__ == "__main__":
    main()
