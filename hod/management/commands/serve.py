from __future__ import annotations

import logging
import os
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from waitress.server import create_server  # type: ignore[import-untyped]

from hod.startup import settle
from hod.wsgi import application
from routing.dispatcher import start_in_thread

logger = logging.getLogger(__name__)
HIGHEST_PORT = 65_535
# How long a stopping server lets its dispatcher finish the round it is in.
DISPATCHER_GRACE_SECONDS = 30


def _stop_serving(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (a service manager, a container's stop) as Ctrl+C: waitress then stops
    taking connections and lets the requests in progress finish."""
    raise KeyboardInterrupt


def _whole_number(raw: str, source: str, lowest: int, highest: int) -> int:
    """`raw` as a whole number in [lowest, highest], or a CommandError that names `source`."""
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lowest <= value <= highest:
        raise CommandError(f"{source}={raw!r}: give a whole number from {lowest:,} to {highest:,}")
    return value


class Command(BaseCommand):
    help = "Serve the pages and the API with waitress and run a dispatcher thread: the whole service in one process."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", help="the port to listen on (default: $PORT, else 8000)")
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--threads", default="8", help="request threads (default: 8)")
        parser.add_argument("--no-dispatcher", action="store_true", help="serve only (dispatchers run elsewhere)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["port"] is not None:
            port = _whole_number(options["port"], "--port", 1, HIGHEST_PORT)
        else:
            port = _whole_number(os.environ.get("PORT") or "8000", "PORT", 1, HIGHEST_PORT)
        threads = _whole_number(options["threads"], "--threads", 1, 1_000)
        host = options["host"]
        try:
            # Listening first: a port already taken stops here, before any dispatcher starts.
            server = create_server(application, host=host, port=port, threads=threads, ident="hod")
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {host}:{port} ({error.strerror or error}). If Help On Demand or "
                f"another program already runs there, stop it or choose another port: PORT=8001 make run"
            ) from None
        dispatcher = None
        try:
            # From here a stop (SIGTERM as Ctrl+C) may come at any moment, the log line included.
            signal.signal(signal.SIGTERM, _stop_serving)
            logger.info("web server starting: loading what requests use")
            # Every view, the ZIP index and the translations loaded now, not on the first
            # consumer's request, then kept out of the garbage collector's full passes.
            settle()
            dispatcher = None if options["no_dispatcher"] else start_in_thread()
            url = f"http://{host}:{port}"
            self.stdout.write(
                f"Help On Demand is running on {url}/ (consumer page), {url}/admin/ (operators), "
                f"{url}/api/docs (API). Press Ctrl+C to stop."
            )
            server.run()  # until SIGINT or SIGTERM; returns once the requests in progress are answered
        except KeyboardInterrupt:  # stopped before it served: nothing in progress to finish
            server.close()
        if dispatcher is not None:
            thread, stop = dispatcher
            stop.set()  # the round in progress ends; its work is committed or rolled back whole
            thread.join(DISPATCHER_GRACE_SECONDS)
        self.stdout.write("Help On Demand stopped.")
