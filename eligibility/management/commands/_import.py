"""The four import commands share one shape: FILE, --skip-invalid, a printed summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from eligibility.importers import IMPORTERS, run_import
from eligibility.importers.base import describe


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows even when some are refused"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        report = run_import(
            IMPORTERS[self.kind](),
            lambda: path.open("rb"),
            file_name=path.name,
            skip_invalid=options["skip_invalid"],
            by="command line",
        )
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(_("rows read: %(n)s") % {"n": report.rows})
        self.stdout.write(_("rows refused: %(n)s") % {"n": report.error_count})
        for line in describe(report.summary()):
            self.stdout.write(line)
        if not report.applied:
            raise CommandError(
                _("%(file)s: nothing imported (%(n)s error(s)); fix the file or use --skip-invalid")
                % {"file": path.name, "n": report.error_count}
            )
