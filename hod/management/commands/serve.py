from __future__ import annotations

import gc
import os
from typing import Any

from django.core.management.base import BaseCommand
from waitress import serve  # type: ignore[import-untyped]

from geo.zips import lookup
from hod.wsgi import application
from routing.dispatcher import start_in_thread


class Command(BaseCommand):
    help = "Serve the pages and the API with waitress and run a dispatcher thread: the whole service in one process."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-dispatcher", action="store_true", help="serve only (dispatchers run elsewhere)")

    def handle(self, *args: Any, **options: Any) -> None:
        lookup("85004")  # load the ZIP index now, not on the first consumer's request
        # Everything loaded so far (Django, the ZIP index) lives as long as the process: keep
        # it out of the garbage collector's full passes, which otherwise walk it mid-request.
        gc.freeze()
        if not options["no_dispatcher"]:
            start_in_thread()
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            f"Help On Demand is running on {url}/ (consumer page), {url}/admin/ (operators), "
            f"{url}/api/docs (API). Press Ctrl+C to stop."
        )
        serve(application, host=options["host"], port=options["port"], threads=options["threads"], ident="hod")
