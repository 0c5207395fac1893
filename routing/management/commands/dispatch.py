from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from hod.startup import settle
from routing.dispatcher import LOOPS, Dispatcher

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Expire due offers and route on, deliver the outbox, close stale safety-net referrals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loops",
            default=",".join(LOOPS),
            help=f"Comma-separated loops to run (default all: {','.join(LOOPS)}); e.g. routing "
            "processes apart from delivery ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loops = [name.strip() for name in options["loops"].split(",") if name.strip()]
        unknown = sorted(set(loops) - set(LOOPS))
        if unknown or not loops:
            with translation.override(settings.LANGUAGE_CODE):
                raise CommandError(
                    _("--loops: unknown loop %(names)s; choose from %(loops)s")
                    % {"names": ", ".join(unknown) or _("(none given)"), "loops": ", ".join(LOOPS)}
                )
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            self.stdout.write("stopping after the current round…")
            stop.set()

        # Stoppable from the start: a stop asked while it loads ends it cleanly, before any round.
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        logger.info("dispatcher starting: loading what its rounds use")
        settle()  # everything a round uses loaded now, and kept out of the GC's full passes
        Dispatcher().loop(stop, loops)
