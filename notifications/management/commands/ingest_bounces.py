from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import bounces


class Command(BaseCommand):
    help = (
        "Read delivery status notifications (bounces) from files, or one from standard input, and "
        "disable the addresses that failed for good. Point the bounce mailbox's pipe at it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="*", help="mail files (.eml); none: read one mail from standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        # Written for the operator in the site's language, whatever the calling thread had active.
        with translation.override(settings.LANGUAGE_CODE):
            self._ingest(options["files"])

    def _ingest(self, files: list[str]) -> None:
        sources: list[tuple[str, bytes]] = []
        for name in files:
            try:
                sources.append((name, Path(name).read_bytes()))
            except OSError as error:
                raise CommandError(
                    _("%(file)s: cannot read it (%(why)s)") % {"file": name, "why": error.strerror}
                ) from None
        if not files:
            sources.append((_("standard input"), sys.stdin.buffer.read()))
        # Read every mail before changing anything: one bad file stops the run, nothing applied.
        parsed = []
        for name, raw in sources:
            try:
                parsed.append((name, bounces.parse(raw)))
            except bounces.NotABounce as error:
                raise CommandError(
                    _("%(file)s: %(error)s; nothing was changed") % {"file": name, "error": error}
                ) from None
        now = timezone.now()
        for name, found in parsed:
            for line in bounces.apply(found, now):
                self.stdout.write(f"{name}: {line}")
