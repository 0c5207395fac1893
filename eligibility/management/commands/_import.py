"""The four import commands share one shape: FILE, --skip-invalid, a printed summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eligibility.importers import IMPORTERS, Report, run_import


def describe(report: Report) -> list[str]:
    """The summary an operator reads, one line per fact."""
    lines = [f"rows read: {report.rows}", f"rows refused: {report.error_count}"]
    lines += [f"{name}: {count}" for name, count in report.changes.items()]
    lines.append(f"agents added: {len(report.agents_added)}")
    lines.append(f"became eligible: {len(report.became_eligible)}")
    lines.append(f"invitations sent: {len(report.invited)}")
    lines.append(f"lost eligibility: {len(report.lost_eligibility)}")
    lines += [f"  {npn}: {', '.join(reasons)}" for npn, reasons in sorted(report.lost_eligibility.items())]
    lines.append(f"pending offers withdrawn: {report.offers_withdrawn}")
    return lines


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
            raise CommandError(f"{path}: no such file")
        report = run_import(
            IMPORTERS[self.kind](),
            lambda: path.open("rb"),
            file_name=path.name,
            skip_invalid=options["skip_invalid"],
            by="command line",
        )
        for error in report.errors:
            self.stderr.write(error)
        for line in describe(report):
            self.stdout.write(line)
        if not report.applied:
            raise CommandError(
                f"{path.name}: nothing imported ({report.error_count} error(s)); fix the file or use --skip-invalid"
            )
