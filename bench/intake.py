"""Intake over HTTP: p50 / p99 from request to committed first offer, at a steady rate
(target p99 ≤ 50 ms at 100 requests/s for 60 s), against 100,000 agents on PostgreSQL.

    .venv/bin/python bench/intake.py [--rate 100] [--seconds 60] [--web 2]

Starts `--web` server processes (`manage.py serve --no-dispatcher`) and one dispatcher, on
loopback, on a weekday-morning clock (`--at now` for the real one: at night most requests
go to the safety net, and each fans out to a whole state). The load is open-loop: each
request is due at a fixed instant and its latency counts from that instant, so a slow
server cannot hide its queue (no coordinated omission).

It also reports the CPU time per request of each part — the web servers, the dispatcher
(sending the requests' messages), this load generator, and PostgreSQL with whatever else
ran — read from /proc (Linux) over the run, and how busy that kept the machine's cores:
past about 60 % the queues, not the work, make the tail.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
import uuid

import common
from expiry import weekday_morning_offset

BASE_PORT = 8790
TICKS = os.sysconf("SC_CLK_TCK")
SETTLED_AFTER = 5  # seconds: the p99 also given without the start of the run


def machine_seconds() -> float:
    """CPU time spent by the whole machine so far, every core (/proc/stat: all but idle
    and I/O wait). PostgreSQL is the machine less the processes measured one by one: its
    backends come and go with the web servers' connections."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICKS


def start_servers(web: int, offset: float, threads: int, dispatcher: bool = True) -> list[subprocess.Popen[bytes]]:
    """`web` servers and (unless told not to) one dispatcher, all on the same shifted clock."""
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "bench/serve_at.py",
                str(offset),
                "--no-dispatcher",
                "--port",
                str(BASE_PORT + i),
                "--threads",
                str(threads),
            ],
            cwd=common.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for i in range(web)
    ]
    if dispatcher:
        procs.append(
            subprocess.Popen(
                [sys.executable, "bench/dispatch_at.py", str(offset)], cwd=common.ROOT, env=env, stdout=subprocess.PIPE
            )
        )
        procs[-1].stdout.readline()  # type: ignore[union-attr] # "ready": loaded, its start-up not in the run
    for i in range(web):
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", BASE_PORT + i, timeout=1)
                conn.request("GET", "/api/openapi.json")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
    return procs


def worst_seconds(dues: list[float], latencies: list[float], started: float, count: int = 3) -> str:
    """The seconds of the run (by when their requests were due) with the most requests over
    the target: a tail made in one stall (a checkpoint, a pause) shows as one bad second; a
    tail made by queueing, as many."""
    late: dict[int, list[float]] = {}
    for due, latency in zip(dues, latencies, strict=True):
        late.setdefault(int(due - started), []).append(latency)
    ranked = sorted(late.items(), key=lambda item: -sum(latency > 0.05 for latency in item[1]))[:count]
    return "; ".join(
        f"s{second}: {sum(lat > 0.05 for lat in lats)} of {len(lats)} over 50 ms, worst {max(lats) * 1000:.0f} ms"
        for second, lats in ranked
    )


def payloads(n: int) -> list[bytes]:
    from agents.demo import POPULATION, _places_by_state
    from eligibility.services import served_states

    rnd = random.Random(5)
    states = sorted(served_states(2027) & POPULATION.keys())
    places = _places_by_state(set(states))
    languages = ["en"] * 60 + ["es"] * 35 + ["vi", "zh", "ko", "ht", "ru"]
    out = []
    for i in range(n):
        place = rnd.choice(places[rnd.choices(states, [POPULATION[s] for s in states])[0]])
        body = {
            "first_name": "Bench",
            "last_name": f"Consumer{'abcdefghij'[i % 10]}",
            "phone": f"602-555-{i % 10000:04d}",
            "zip_code": place.zip_code,
            "language": rnd.choice(languages),
            "consent": True,
        }
        out.append(json.dumps(body).encode())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per web process")
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--at", choices=["morning", "now"], default="morning", help="the servers' clock")
    parser.add_argument(
        "--no-dispatcher",
        action="store_true",
        help="serve only, as a deployment whose dispatchers run on other machines (the messages wait in the outbox)",
    )
    args = parser.parse_args()
    common.setup(args.agents)
    common.reset_referrals()
    baseline = common.raw_insert_baseline()
    offset = weekday_morning_offset() if args.at == "morning" else 0.0
    total = int(args.rate * args.seconds)
    bodies = payloads(total)
    procs = start_servers(args.web, offset, args.threads, dispatcher=not args.no_dispatcher)
    work: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
    latencies: list[float] = []
    dues: list[float] = []  # when each request was due, in the order of `latencies`
    errors: list[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        port = BASE_PORT + index % args.web
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (item := work.get()) is not None:
            due, body = item
            headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            try:
                conn.request("POST", "/api/v1/referrals", body, headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 201
            except (OSError, http.client.HTTPException) as exc:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok, response = False, exc
            with lock:
                latencies.append(time.perf_counter() - due)
                dues.append(due)
                if not ok:
                    errors.append(str(getattr(response, "status", response)))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(32)]
    for thread in threads:
        thread.start()
    cpu_before = [common.cpu_seconds(proc.pid) for proc in procs]
    machine_before, me_before = machine_seconds(), os.times()
    try:
        started = time.perf_counter()
        for i, body in enumerate(bodies):
            due = started + i / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            work.put((due, body))
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu = [common.cpu_seconds(proc.pid) - before for proc, before in zip(procs, cpu_before, strict=True)]
        machine, me = machine_seconds() - machine_before, os.times()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    print(
        f"sent {total:,} requests in {elapsed:.1f} s ({total / elapsed:.1f}/s) to {args.web} web processes"
        f"{'' if args.no_dispatcher else ' and a dispatcher'}; "
        f"errors: {len(errors)} {sorted(set(errors))[:5]}"
    )
    common.report(f"intake over HTTP at {args.rate:g}/s", latencies, baseline, target_ms=50)
    print(f"  slowest seconds of the run: {worst_seconds(dues, latencies, started)}")
    settled = sorted(lat for due, lat in zip(dues, latencies, strict=True) if due - started >= SETTLED_AFTER)
    if settled:
        p50, p99 = settled[len(settled) // 2], settled[int(len(settled) * 0.99)]
        print(f"  requests due after the first {SETTLED_AFTER} s: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    parts = {
        "web": sum(cpu[: args.web]),
        "dispatcher": sum(cpu[args.web :]),
        "load generator": me.user + me.system - me_before.user - me_before.system,
    }
    parts["PostgreSQL and the rest"] = machine - sum(parts.values())
    shares = ", ".join(f"{name} {seconds / total * 1000:.1f} ms" for name, seconds in parts.items())
    print(f"  CPU per request: {shares}; cores {machine / (elapsed * (os.cpu_count() or 1)):.0%} busy")


if __name__ == "__main__":
    main()
