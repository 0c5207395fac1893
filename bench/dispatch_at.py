"""Run one dispatcher whose clock is shifted by OFFSET seconds (benchmarks only), so a
benchmark can play a weekday morning whatever the hour it runs at.

    python bench/dispatch_at.py OFFSET [LOOPS]    # LOOPS as `dispatch --loops`, default all
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import timedelta

import common  # noqa: F401 - sets up the environment
import django

django.setup()
from django.utils import timezone  # noqa: E402

from hod.startup import settle  # noqa: E402
from routing.dispatcher import Dispatcher  # noqa: E402

offset = timedelta(seconds=float(sys.argv[1]))
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
loops = [name for name in (sys.argv[2] if len(sys.argv) > 2 else "").split(",") if name]
settle()  # as `manage.py dispatch` does
print("ready", flush=True)  # for a benchmark that starts its load once every process is up
Dispatcher(clock=lambda: timezone.now() + offset).loop(stop, loops)
