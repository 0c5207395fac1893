"""Serve the pages and the API (`manage.py serve …`) on a clock shifted by OFFSET seconds
(benchmarks only), so an intake benchmark routes on a weekday morning whatever the hour.

    python bench/serve_at.py OFFSET [serve's options]

BENCH_GC=1 prints, at exit, when each full garbage collection ran and its CPU time.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
import time
from datetime import datetime, timedelta

import common  # noqa: F401 - sets up the environment
import django

django.setup()
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

offset = timedelta(seconds=float(sys.argv[1]))
real_now = timezone.now


def shifted_now() -> datetime:
    return real_now() + offset


timezone.now = shifted_now  # read at call time by every `timezone.now()` in the product
# A load test fills waitress's queue on purpose: its "Task queue depth" warning, right in a
# deployment, would be a line per request here and bury the benchmark's own output.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)
if os.environ.get("BENCH_GC"):
    # The full collections of this server: when (seconds since it began) and how much CPU
    # each took, every request thread of the process stopped meanwhile; printed at exit.
    began, started_at, full = time.perf_counter(), [0.0], []

    def _timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started_at[0] = time.process_time()
        elif info["generation"] == 2:
            full.append((time.perf_counter() - began, (time.process_time() - started_at[0]) * 1000))

    gc.callbacks.append(_timed)
    atexit.register(
        lambda: print(
            f"  web {os.getpid()}: full collections at (s, ms of CPU): "
            + ", ".join(f"({at:.1f}, {ms:.0f})" for at, ms in full),
            file=sys.stderr,
        )
    )
call_command("serve", *sys.argv[2:])
