"""CPU time of one intake inside the web process, without HTTP or a server: the WSGI
application called directly, as waitress would, on the benchmark database and a
weekday-morning clock. Splits the request into the framework (middleware, ninja, the
form) and the work (routing and the transaction), and counts the statements.

    .venv/bin/python bench/intake_cpu.py [--n 1000]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import common
from expiry import weekday_morning_offset


def payloads(n: int) -> list[bytes]:
    """The intake benchmark's requests (bench/intake.py, whose name the app `intake` hides)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("intake_bench", common.ROOT / "bench" / "intake.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.payloads(n)  # type: ignore[no-any-return]


def environ(body: bytes) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/referrals",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def backend_pid(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--statements", action="store_true", help="count the statements of one request")
    parser.add_argument("--profile", action="store_true", help="print a CPU-clock profile of the requests")
    args = parser.parse_args()
    common.setup()
    common.reset_referrals()
    from django.db import connection
    from django.utils import timezone

    offset = timedelta(seconds=weekday_morning_offset())
    real_now = timezone.now

    def shifted_now() -> datetime:
        return real_now() + offset

    timezone.now = shifted_now
    from hod.wsgi import application

    bodies = payloads(args.n + 200)
    statuses: list[str] = []

    def start_response(status: str, headers: object) -> None:
        statuses.append(status)

    def one(body: bytes) -> None:
        for _ in application(environ(body), start_response):
            pass

    for body in bodies[:200]:  # warm up: caches, the ZIP index, the statements' plans
        one(body)
    if args.statements:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            one(bodies[200])
        for query in queries.captured_queries:
            print(query["sql"][:140].replace("\n", " "))
        print(f"{len(queries)} statements")
        return
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)
        profile.runcall(lambda: [one(body) for body in bodies[200:]])
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        pstats.Stats(profile).sort_stats("cumtime").print_stats(60)
        return
    backend = backend_pid(connection)
    backend_before = common.cpu_seconds(backend)
    cpu, wall = [], []
    for body in bodies[200:]:
        c0, w0 = time.process_time(), time.perf_counter()
        one(body)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    backend_ms = (common.cpu_seconds(backend) - backend_before) / args.n * 1000
    same = backend_pid(connection) == backend
    bad = [s for s in statuses if not s.startswith("201")]
    print(
        f"{args.n} intakes in-process: CPU p50 {statistics.median(cpu) * 1000:.2f} ms, "
        f"mean {statistics.fmean(cpu) * 1000:.2f} ms; wall p50 {statistics.median(wall) * 1000:.2f} ms; "
        f"PostgreSQL backend {backend_ms:.2f} ms CPU a request{'' if same else ' (the connection changed: partial)'}; "
        f"not 201: {len(bad)} {sorted(set(bad))[:3]}"
    )


if __name__ == "__main__":
    main()
