"""The first consumers after a start: how long the first intakes take once `serve` says it
is running (a deploy, a restart after a crash), on the benchmark database.

    .venv/bin/python bench/first_request.py [--requests 3] [--runs 2]

Each run starts a web server of its own (`manage.py serve --no-dispatcher` on the real
clock), waits for its "running" line, then sends the requests one after the other, each on
a new connection, and prints their status and time. The first of a run is a new consumer
(201); the same request again is 200 (already received) and routes nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import time

import common

PORT = 8795


def one_run(requests: int, run: int) -> list[str]:
    server = subprocess.Popen(
        [sys.executable, "bench/serve_at.py", "0", "--no-dispatcher", "--port", str(PORT)],
        cwd=common.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    body = json.dumps(
        {
            "first_name": "Ana",
            "last_name": "Diaz",
            "phone": f"602-555-01{run:02d}",
            "zip_code": "85004",
            "consent": True,
        }
    ).encode()
    answers = []
    try:
        server.stdout.readline()  # type: ignore[union-attr] # "Help On Demand is running on …"
        for _ in range(requests):
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            started = time.perf_counter()
            conn.request("POST", "/api/v1/referrals", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            answers.append(f"{response.status} in {(time.perf_counter() - started) * 1000:.0f} ms")
            conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    common.setup()
    common.reset_referrals()
    for run in range(args.runs):
        print(f"run {run + 1}: the first intakes after start: {', '.join(one_run(args.requests, run))}")


if __name__ == "__main__":
    main()
