from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import bounces


class Command(BaseCommand):
    help = (
        "Read delivery status notifications (bounces) from files, or one from standard input, and "
        "disable the addresses that failed for good. Point the bounce mailbox's pipe at it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="*", help="mail files (.eml); none: read one mail from standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        sources: list[tuple[str, bytes]] = []
        for name in options["files"]:
            try:
                sources.append((name, Path(name).read_bytes()))
            except OSError as error:
                raise CommandError(f"{name}: cannot read it ({error.strerror})") from None
        if not options["files"]:
            sources.append(("standard input", sys.stdin.buffer.read()))
        # Read every mail before changing anything: one bad file stops the run, nothing applied.
        parsed = []
        for name, raw in sources:
            try:
                parsed.append((name, bounces.parse(raw)))
            except bounces.NotABounce as error:
                raise CommandError(f"{name}: {error}; nothing was changed") from None
        now = timezone.now()
        for name, found in parsed:
            for line in bounces.apply(found, now):
                self.stdout.write(f"{name}: {line}")
