"""State licenses: the NIPR Producer Database XML report or the flat CSV (REFERENCE §2).

A producer named in the file has exactly the licenses the file gives them afterwards; a
producer the file does not name keeps theirs. A producer with any bad license or line is
left as it was (with `--skip-invalid`) rather than half replaced.
"""

from __future__ import annotations

import xml.sax  # noqa: S406 - only its exception and handler types; parsing goes through defusedxml
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any
from xml.sax.handler import ContentHandler

import defusedxml
import defusedxml.sax
from django.utils.translation import gettext as _

from eligibility.importers.base import (
    MAX_LINE,
    Column,
    FileRejected,
    Report,
    RowError,
    csv_rows,
    parse_date,
    parse_npn,
    parse_state,
    parse_text,
    parse_yes_no,
    shown,
)
from eligibility.models import ImportKind, License, LineOfAuthority
from eligibility.rules import is_health_line

CHUNK = 64 * 1024
WRITE_BATCH = 500


@dataclass(frozen=True)
class Line:
    text: str
    code: str
    active: bool


@dataclass(frozen=True)
class LicenseRecord:
    state: str
    number: str
    resident: bool
    active: bool
    expires_on: date | None
    lines: frozenset[Line]


@dataclass(frozen=True)
class Producer:
    npn: str
    licenses: frozenset[LicenseRecord]


class LicenseImporter:
    kind = ImportKind.LICENSES

    def __init__(self) -> None:
        self._refused: set[str] = set()

    def records(self, stream: IO[bytes]) -> Iterator[tuple[int, Producer | RowError]]:
        start = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        stream.seek(0)
        if start.startswith(b"<"):
            yield from _pdb_records(stream)
        else:
            yield from self._csv_records(stream)

    # The flat CSV: one row per line of authority; a producer's rows may be anywhere.
    def _csv_records(self, stream: IO[bytes]) -> Iterator[tuple[int, Producer | RowError]]:
        producers: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        first_line: dict[str, int] = {}
        for line, values in csv_rows(stream, CSV_COLUMNS):
            npn = values["npn"]
            try:
                parse_npn(npn)
                state = parse_state(values["state"], "State")
                number = parse_text(values["license_number"], "License Number", max_length=40)
                resident = parse_yes_no(values["resident"], "Resident")
                active = parse_yes_no(values["active"], "Active")
                expires = parse_date(values["expiration_date"], "Expiration Date")
                text = parse_text(values["line_of_authority"], "Line of Authority", max_length=200)
                loa_active = _loa_active(values["loa_status"], "LOA Status")
            except RowError as error:
                self._refused.add(npn)
                yield line, error
                continue
            first_line.setdefault(npn, line)
            licenses = producers.setdefault(npn, {})
            known = licenses.get((state, number))
            if known is None:
                licenses[(state, number)] = {"resident": resident, "active": active, "expires": expires, "lines": set()}
            elif (known["resident"], known["active"], known["expires"]) != (resident, active, expires):
                self._refused.add(npn)
                yield (
                    line,
                    RowError(
                        "License Number",
                        _(
                            "license %(number)s in %(state)s is listed with different "
                            "residency, status or expiry on another line"
                        )
                        % {"number": number, "state": state},
                    ),
                )
                continue
            licenses[(state, number)]["lines"].add(Line(text, "", loa_active))
        for npn, licenses in producers.items():
            yield first_line[npn], Producer(
                npn,
                frozenset(
                    LicenseRecord(state, number, v["resident"], v["active"], v["expires"], frozenset(v["lines"]))
                    for (state, number), v in licenses.items()
                ),
            )  # fmt: skip

    def write(self, records: Iterator[Producer], report: Report) -> list[str]:
        changed: list[str] = []
        producers = unchanged = 0
        batch: list[Producer] = []
        for producer in records:
            if producer.npn in self._refused:
                continue
            batch.append(producer)
            if len(batch) == WRITE_BATCH:
                changed += _write_batch(batch)
                producers += len(batch)
                batch = []
        if batch:
            changed += _write_batch(batch)
            producers += len(batch)
        unchanged = producers - len(changed)
        report.changes = {"producers": producers, "changed": len(changed), "unchanged": unchanged}
        return changed


CSV_COLUMNS = (
    Column("npn", "NPN"),
    Column("state", "State"),
    Column("license_number", "License Number", aliases=("license_num",)),
    Column("resident", "Resident (Y/N)"),
    Column("active", "Active (Y/N)"),
    Column("expiration_date", "Expiration Date", aliases=("date_expire_license",)),
    Column("line_of_authority", "Line of Authority", aliases=("loa",)),
    Column("loa_status", "LOA Status"),
)


def _loa_active(value: str, column: str) -> bool:
    lowered = value.lower()
    if lowered in {"active", "y", "yes"}:
        return True
    if lowered in {"inactive", "n", "no", "expired", "terminated", "suspended", "revoked", "cancelled", "canceled"}:
        return False
    raise RowError(column, _("%(value)s is not Active or Inactive") % {"value": shown(value)})


def _canonical(licenses: list[License]) -> frozenset[LicenseRecord]:
    return frozenset(
        LicenseRecord(
            lic.state,
            lic.number,
            lic.resident,
            lic.active,
            lic.expires_on,
            frozenset(Line(loa.text, loa.code, loa.active) for loa in lic.lines.all()),
        )
        for lic in licenses
    )


def _write_batch(batch: list[Producer]) -> list[str]:
    """Replace the licenses of the producers in `batch` whose licenses differ."""
    existing: dict[str, list[License]] = {p.npn: [] for p in batch}
    for lic in License.objects.filter(npn__in=existing).prefetch_related("lines"):
        existing[lic.npn].append(lic)
    changed = [p for p in batch if _canonical(existing[p.npn]) != p.licenses]
    if not changed:
        return []
    License.objects.filter(npn__in=[p.npn for p in changed]).delete()
    pairs = [(p.npn, record) for p in changed for record in sorted(p.licenses, key=lambda r: (r.state, r.number))]
    created = License.objects.bulk_create(
        License(
            npn=npn,
            state=record.state,
            number=record.number,
            resident=record.resident,
            active=record.active,
            expires_on=record.expires_on,
        )
        for npn, record in pairs
    )
    LineOfAuthority.objects.bulk_create(
        LineOfAuthority(
            license=lic, text=line.text, code=line.code, active=line.active, is_health=is_health_line(line.text)
        )
        for lic, (_npn, record) in zip(created, pairs, strict=True)
        for line in sorted(record.lines, key=lambda x: (x.text, x.code))
    )
    return [p.npn for p in changed]


# --- NIPR PDB XML -----------------------------------------------------------------------


class _Node:
    __slots__ = ("tag", "attrs", "text", "line", "children")

    def __init__(self, tag: str, attrs: dict[str, str], line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.text: list[str] = []
        self.line = line
        self.children: list[_Node] = []

    def find(self, *path: str) -> _Node | None:
        node: _Node | None = self
        for tag in path:
            node = next((child for child in node.children if child.tag == tag), None) if node else None
        return node

    def findall(self, tag: str) -> list[_Node]:
        return [child for child in self.children if child.tag == tag]

    def line_of(self, tag: str) -> int | None:
        """The line of the first element named `tag` at or below this one."""
        if self.tag == tag:
            return self.line
        for child in self.children:
            found = child.line_of(tag)
            if found is not None:
                return found
        return None

    def value(self, tag: str) -> str:
        node = self.find(tag)
        return "".join(node.text).strip() if node else ""


class _ProducerHandler(ContentHandler):
    """Builds one small tree per PRODUCER element and hands it over when it closes."""

    def __init__(self) -> None:
        super().__init__()
        self.done: list[_Node] = []
        self.stack: list[_Node] = []
        self.size = 0
        self.reader: Any = None

    def line(self) -> int:
        expat = getattr(self.reader, "_parser", None)
        return int(expat.CurrentLineNumber) if expat is not None else 0

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 - SAX API
        line = self.line()
        if name == "PRODUCER":
            self.stack = [_Node(name, dict(attrs), line)]
            self.size = 0
        elif self.stack:
            node = _Node(name, dict(attrs), line)
            self.stack[-1].children.append(node)
            self.stack.append(node)

    def endElement(self, name: str) -> None:  # noqa: N802 - SAX API
        if not self.stack:
            return
        node = self.stack.pop()
        if not self.stack:
            self.done.append(node)

    def characters(self, content: str) -> None:
        if self.stack:
            self.size += len(content)
            if self.size > MAX_LINE:
                line = self.line()
                raise FileRejected(
                    _("line %(line)s: one producer holds more than %(limit)s characters of text")
                    % {"line": line, "limit": f"{MAX_LINE:,}"}
                )
            self.stack[-1].text.append(content)


def _pdb_records(stream: IO[bytes]) -> Iterator[tuple[int, Producer | RowError]]:
    handler = _ProducerHandler()
    parser = defusedxml.sax.make_parser()
    parser.setContentHandler(handler)
    handler.reader = parser
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    seen = 0
    try:
        while chunk := stream.read(CHUNK):
            parser.feed(chunk)  # type: ignore[attr-defined]
            for node in handler.done:
                seen += 1
                yield _producer(node)
            handler.done.clear()
        parser.close()  # type: ignore[attr-defined]
    except xml.sax.SAXParseException as error:
        raise FileRejected(
            _("line %(line)s: the XML is malformed or ends early (%(error)s)")
            % {"line": error.getLineNumber(), "error": error.getMessage()}
        ) from error
    except defusedxml.DefusedXmlException as error:
        raise FileRejected(
            _("the XML declares entities or external references, which are refused for safety (%(error)s)")
            % {"error": type(error).__name__}
        ) from error
    for node in handler.done:
        seen += 1
        yield _producer(node)
    if seen == 0:
        raise FileRejected(_("the XML holds no PDB/PRODUCER element: is this an NIPR PDB report?"))


def _producer(node: _Node) -> tuple[int, Producer | RowError]:
    """One PRODUCER element, or the first reason it is refused with the line it is on."""
    individual = node.find("INDIVIDUAL") or node
    npn_node = individual.find("ENTITY_BIOGRAPHIC", "BIOGRAPHIC", "NPN")
    npn_text = "".join(npn_node.text).strip() if npn_node else ""
    line = npn_node.line if npn_node else node.line
    current = node
    try:
        npn = parse_npn(npn_text, "NPN")
        licenses = []
        info = individual.find("PRODUCER_LICENSING", "LICENSE_INFORMATION")
        for state_node in info.findall("STATE") if info else []:
            line, current = state_node.line, state_node
            state = parse_state(state_node.attrs.get("name", ""), "STATE@name")
            for lic in state_node.findall("LICENSE"):
                line, current = lic.line, lic
                licenses.append(_license(state, lic))
    except RowError as error:
        return current.line_of(error.column) or line, error
    return node.line, Producer(npn, frozenset(licenses))


def _license(state: str, lic: _Node) -> LicenseRecord:
    number = parse_text(lic.value("LICENSE_NUM"), "LICENSE_NUM", max_length=40)
    active = parse_yes_no(lic.value("ACTIVE"), "ACTIVE")
    expires = parse_date(lic.value("DATE_EXPIRE_LICENSE"), "DATE_EXPIRE_LICENSE")
    if lic.value("DATE_ISSUE_LICENSE_ORIG"):
        parse_date(lic.value("DATE_ISSUE_LICENSE_ORIG"), "DATE_ISSUE_LICENSE_ORIG")
    resident = lic.value("RESIDENCY_STATUS").lower() in {"r", "resident", "y", "yes"}
    lines = set()
    details = lic.find("DETAILS")
    for detail in details.findall("DETAIL") if details else []:
        text = parse_text(detail.value("LOA"), "LOA", max_length=200)
        code = parse_text(detail.value("LOA_CODE"), "LOA_CODE", max_length=20, required=False)
        lines.add(Line(text, code, _loa_active(detail.value("STATUS"), "STATUS")))
    return LicenseRecord(state, number, resident, active, expires, frozenset(lines))
