from __future__ import annotations

import gc
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from routing.dispatcher import Dispatcher


class Command(BaseCommand):
    help = "Expire due offers and route on, deliver the outbox, close stale safety-net referrals."

    def handle(self, *args: Any, **options: Any) -> None:
        gc.freeze()  # Django and the ZIP index stay for the process's life: not for the GC to walk
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            self.stdout.write("stopping after the current round…")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        Dispatcher().loop(stop)
