"""Run an eligibility import end to end: validate, write, re-check eligibility, record.

    report = run_import(FfmImporter(), open_file, file_name="list.csv", skip_invalid=False, by="ops")

`open_file` returns the file as a fresh binary stream each time it is called: the import
reads it twice (validate, then write) so that memory stays flat whatever its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import IO, Any, Protocol

from django.db import transaction
from django.utils import timezone

from eligibility.importers.base import FileRejected, Report, RowError
from eligibility.importers.ffm import FfmImporter, TerminationImporter
from eligibility.importers.licenses import LicenseImporter
from eligibility.importers.mlms import MlmsImporter
from eligibility.models import ImportKind, ImportRun
from eligibility.recheck import recheck

__all__ = ["IMPORTERS", "Report", "run_import"]


class Importer(Protocol):
    kind: ImportKind

    def records(self, stream: IO[bytes]) -> Iterator[tuple[int, Any]]: ...

    def write(self, records: Iterator[Any], report: Report) -> list[str]: ...


IMPORTERS: dict[str, Callable[[], Importer]] = {
    ImportKind.FFM: FfmImporter,
    ImportKind.TERMINATIONS: TerminationImporter,
    ImportKind.LICENSES: LicenseImporter,
    ImportKind.MLMS: MlmsImporter,
}


def run_import(
    importer: Importer,
    open_file: Callable[[], AbstractContextManager[IO[bytes]]],
    *,
    file_name: str,
    skip_invalid: bool = False,
    by: str = "",
    now: datetime | None = None,
) -> Report:
    """Validate every row; write the valid ones (all or, when asked, the good ones only);
    then re-check the eligibility of every agent the change touches (R-ELIG-6)."""
    now = now or timezone.now()
    run = ImportRun.objects.create(kind=importer.kind, file_name=file_name[:255], started_at=now, by=by[:150])
    report = Report(run_id=run.pk)
    try:
        with open_file() as stream:
            for line, record in importer.records(stream):
                report.rows += 1
                if isinstance(record, RowError):
                    report.add_row_error(line, record)
        if report.error_count == 0 or skip_invalid:
            with open_file() as stream, transaction.atomic():
                good = (record for _line, record in importer.records(stream) if not isinstance(record, RowError))
                npns = importer.write(good, report)
            report.applied = True
            recheck(npns, now, report)
    except FileRejected as error:
        report.error_count += 1
        report.errors.append(str(error))
        report.applied = False
    run.finished_at = timezone.now()
    run.applied = report.applied
    run.rows = report.rows
    run.rejected_rows = report.error_count
    run.summary = report.summary()
    run.errors = report.errors
    run.save()
    return report
