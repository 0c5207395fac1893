"""Where a re-route's time goes: one process expires N due offers with the dispatcher's own
`expire_due_offers`, batch after batch, on the benchmark database and a weekday-morning
clock, and prints its CPU time (Python) against the wall time (the rest is waiting on
PostgreSQL, which shares the machine's cores).

    .venv/bin/python bench/expiry_cpu.py [--offers 3000] [--profile]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

import common
from expiry import lay_offers, weekday_morning_offset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=3000)
    parser.add_argument("--profile", action="store_true", help="print a CPU-clock profile")
    args = parser.parse_args()
    common.setup()
    offset = weekday_morning_offset()
    deadline = lay_offers(args.offers, 0.0, offset)
    from hod.startup import warm_up
    from routing.actions import expire_due_offers

    warm_up()  # as a dispatcher does before its loops: the URL configuration is not a re-route's cost

    now = datetime.fromtimestamp(deadline, UTC) + timedelta(seconds=offset + 1)
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile(time.process_time)
        profile.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    done = 0
    while moved := expire_due_offers(now):
        done += moved
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats("cumtime").print_stats(45)
    print(
        f"{done:,} re-routes in one process: {wall:.2f} s ({done / wall:,.0f}/s); "
        f"Python {cpu / done * 1000:.2f} ms and waiting on PostgreSQL {(wall - cpu) / done * 1000:.2f} ms a re-route"
    )


if __name__ == "__main__":
    main()
