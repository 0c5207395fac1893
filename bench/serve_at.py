"""Serve the pages and the API (`manage.py serve …`) on a clock shifted by OFFSET seconds
(benchmarks only), so an intake benchmark routes on a weekday morning whatever the hour.

    python bench/serve_at.py OFFSET [serve's options]
"""

from __future__ import annotations

import logging
import sys
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
call_command("serve", *sys.argv[2:])
