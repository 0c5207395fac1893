"""Run one dispatcher whose clock is shifted by OFFSET seconds (benchmarks only), so a
benchmark can play a weekday morning whatever the hour it runs at."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import timedelta

import common  # noqa: F401 - sets up the environment
import django

django.setup()
from django.utils import timezone  # noqa: E402

from routing.dispatcher import Dispatcher  # noqa: E402

offset = timedelta(seconds=float(sys.argv[1]))
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
Dispatcher(clock=lambda: timezone.now() + offset).loop(stop)
