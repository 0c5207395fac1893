"""What every eligibility importer shares: streaming reads, row errors, the report.

An import runs in two passes over the file. The first validates every row and keeps
nothing but the errors, so a million-row file costs no more memory than one row. When
there are errors and the operator did not ask for `--skip-invalid`, the import stops
there and nothing is written. Otherwise the second pass reads the file again and writes
the valid rows in one transaction: a row is written whole or not at all.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eligibility.rules import REASONS

# A line longer than this is refused instead of read whole (a 50 MB line costs nothing).
MAX_LINE = 64 * 1024
# Errors kept in the report; the count goes on beyond it.
MAX_ERRORS = 1000
NO_DATE = frozenset({"", "-", "null", "none", "n/a"})
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI".split()
)
_NPN = re.compile(r"\d{7,10}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RowError(ValueError):
    """One bad value: the column it is in and why it is refused."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class FileRejected(Exception):
    """The file cannot be read at all (missing columns, truncated or hostile XML…)."""


@dataclass
class Report:
    """What an import found and did; shown on the command line and in the admin."""

    rows: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    applied: bool = False
    changes: dict[str, int] = field(default_factory=dict)
    # Agents whose eligibility the import changed, by what happened to them.
    agents_added: list[str] = field(default_factory=list)
    became_eligible: list[str] = field(default_factory=list)
    lost_eligibility: dict[str, list[str]] = field(default_factory=dict)
    invited: list[str] = field(default_factory=list)
    offers_withdrawn: int = 0
    run_id: int | None = None  # the ImportRun that records it

    def add_error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(_("line %(line)s, %(message)s") % {"line": line, "message": message})

    def add_row_error(self, line: int, error: RowError) -> None:
        self.add_error(line, _("column %(column)s: %(reason)s") % {"column": error.column, "reason": error.reason})

    def summary(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "agents_added": len(self.agents_added),
            "became_eligible": self.became_eligible,
            "lost_eligibility": self.lost_eligibility,
            "invited": len(self.invited),
            "offers_withdrawn": self.offers_withdrawn,
        }


CHANGE_LABELS = {
    "added": gettext_lazy("rows added"),
    "changed": gettext_lazy("rows changed"),
    "removed": gettext_lazy("rows removed (left the list)"),
    "producers": gettext_lazy("producers in the file"),
    "unchanged": gettext_lazy("producers unchanged"),
}


def describe(summary: Mapping[str, Any]) -> list[str]:
    """What an import changed, one fact a line: for the command line and the admin."""
    lines = [f"{CHANGE_LABELS.get(name, name)}: {count}" for name, count in summary.get("changes", {}).items()]
    lines.append(_("agents added: %(n)s") % {"n": summary.get("agents_added", 0)})
    lines.append(_("became eligible: %(npns)s") % {"npns": ", ".join(summary.get("became_eligible", [])) or "—"})
    lines.append(_("invitations sent: %(n)s") % {"n": summary.get("invited", 0)})
    lost = summary.get("lost_eligibility", {})
    lines.append(_("lost eligibility: %(n)s") % {"n": len(lost)})
    lines += [
        f"  {npn}: " + "; ".join(str(REASONS.get(code, code)) for code in codes) for npn, codes in sorted(lost.items())
    ]
    lines.append(_("pending offers withdrawn: %(n)s") % {"n": summary.get("offers_withdrawn", 0)})
    return lines


def lines_of(stream: IO[bytes], position: list[int]) -> Iterator[str]:
    """Decode a byte stream line by line, refusing over-long lines and invalid UTF-8.

    `position[0]` is the number of the line last read, for error messages; a BOM at the
    start is ignored.
    """
    position[0] = 0
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        position[0] += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            raise FileRejected(
                _("line %(line)s is longer than %(limit)s characters: is this the right file?")
                % {"line": position[0], "limit": f"{MAX_LINE:,}"}
            )
        if position[0] == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FileRejected(
                _("line %(line)s is not valid UTF-8 text (byte %(byte)s)") % {"line": position[0], "byte": error.start}
            ) from error


def header_key(name: str) -> str:
    """`Applicable Plan Year`, `applicable_plan_year` and `APPLICABLE PLAN YEAR` are one
    column; a parenthesised note such as `(MM/DD/YYYY)` is ignored."""
    name = re.sub(r"\(.*?\)", " ", name)
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class Column:
    key: str  # normalised header
    title: str  # how errors name it
    required: bool = True
    aliases: tuple[str, ...] = ()


def csv_rows(stream: IO[bytes], columns: Sequence[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {column key: stripped value}) for each data row of a CSV."""
    position = [0]
    reader = csv.reader(lines_of(stream, position), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FileRejected(_("line 1: the header cannot be read (%(error)s)") % {"error": error}) from error
    if header is None:
        raise FileRejected(_("the file is empty"))
    found = {header_key(name): index for index, name in enumerate(header)}
    index: dict[str, int] = {}
    missing = []
    for column in columns:
        for key in (column.key, *column.aliases):
            if key in found:
                index[column.key] = found[key]
                break
        else:
            if column.required:
                missing.append(column.title)
    if missing:
        raise FileRejected(
            _("line 1: missing column(s) %(missing)s; the header has %(header)s")
            % {"missing": ", ".join(missing), "header": ", ".join(h.strip() for h in header) or "nothing"}
        )
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileRejected(_("line %(line)s: %(error)s") % {"line": position[0], "error": error}) from error
        if not any(cell.strip() for cell in row):
            continue
        values = {key: (row[i].strip() if i < len(row) else "") for key, i in index.items()}
        yield position[0], values


def parse_date(value: str, column: str) -> date | None:
    """MM/DD/YYYY (also M/D/YYYY), or one of the "no date" spellings."""
    if value.lower() in NO_DATE:
        return None
    parts = value.split("/")
    if len(parts) == 3 and all(part.isdigit() for part in parts) and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), int(parts[0]), int(parts[1]))
        except ValueError:
            pass
    raise RowError(column, _("%(value)s is not a date (MM/DD/YYYY)") % {"value": shown(value)})


def parse_npn(value: str, column: str = "NPN") -> str:
    if not _NPN.fullmatch(value):
        raise RowError(column, _("%(value)s is not an NPN (7 to 10 digits)") % {"value": shown(value)})
    return value


def parse_plan_year(value: str, column: str) -> int:
    if not (len(value) == 4 and value.isdigit() and 2014 <= int(value) <= 2100):
        raise RowError(column, _("%(value)s is not a plan year (2014 to 2100)") % {"value": shown(value)})
    return int(value)


def parse_state(value: str, column: str) -> str:
    state = value.upper()
    if state not in US_STATES:
        raise RowError(column, _("%(value)s is not a US state code") % {"value": shown(value)})
    return state


def parse_yes_no(value: str, column: str) -> bool:
    lowered = value.lower()
    if lowered in {"y", "yes", "true", "1"}:
        return True
    if lowered in {"n", "no", "false", "0"}:
        return False
    raise RowError(column, _("%(value)s is not Y or N") % {"value": shown(value)})


def parse_text(value: str, column: str, *, max_length: int, required: bool = True) -> str:
    if required and not value:
        raise RowError(column, _("is empty"))
    if len(value) > max_length:
        raise RowError(column, _("is longer than %(max)s characters") % {"max": max_length})
    if _CONTROL.search(value):
        raise RowError(column, _("contains control characters"))
    return value


def shown(value: str) -> str:
    """A value quoted for an error message, cut short if long."""
    return repr(value if len(value) <= 40 else value[:40] + "…")
