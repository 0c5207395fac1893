"""Routing one referral among 100,000 agents: the decision's p50 / p99 (target p99 ≤ 10 ms).

    .venv/bin/python bench/routing.py [--agents 100000] [--n 2000]

Consumers are drawn from real ZIPs, more where more people live, with a realistic language
mix; "day" is a weekday at 11:00 Central, "night" 1:30 a.m., when nearly nobody is available
and the whole candidate list is examined before the safety net.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

import common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    common.setup(args.agents)

    from agents.demo import POPULATION, _places_by_state
    from eligibility.services import served_states
    from referrals.models import Referral
    from routing.candidates import next_candidate

    baseline = common.raw_insert_baseline()
    rnd = random.Random(11)
    states = sorted(served_states(2027) & POPULATION.keys())
    places = _places_by_state(set(states))
    languages = ["en"] * 60 + ["es"] * 35 + ["vi", "zh", "ko", "ht", "ru"]
    for label, now in (
        ("day", datetime(2026, 11, 24, 17, 0, tzinfo=UTC)),
        ("night", datetime(2026, 11, 24, 7, 30, tzinfo=UTC)),
    ):
        samples, examined, nobody = [], [], 0
        for _ in range(args.n):
            place = rnd.choice(places[rnd.choices(states, [POPULATION[s] for s in states])[0]])
            referral = Referral(state=place.state, lat=place.lat, lon=place.lon, language=rnd.choice(languages), pk=0)
            started = time.perf_counter()
            decision = next_candidate(referral, 2027, now)
            samples.append(time.perf_counter() - started)
            examined.append(decision.examined)
            nobody += decision.chosen is None
        common.report(f"routing decision, {label}", samples, baseline, target_ms=10)
        print(
            f"  candidates examined: median {sorted(examined)[len(examined) // 2]}, max {max(examined)}; "
            f"no candidate (safety net): {nobody}/{args.n}"
        )


if __name__ == "__main__":
    main()
