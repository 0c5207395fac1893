"""The FFM Agent/Broker Registration Completion List and its Termination List (REFERENCE §1).

Each file is the whole list for the plan years it names: an NPN that left the list loses
its row, and with it the agent's eligibility (R-ELIG-6).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO

from django.utils.translation import gettext as _

from eligibility.importers.base import (
    Column,
    Report,
    RowError,
    csv_rows,
    parse_date,
    parse_npn,
    parse_plan_year,
    shown,
)
from eligibility.importers.merge import MergeSpec, merge
from eligibility.models import FfmRegistration, ImportKind, Termination

Record = tuple[str, ...]

NPN = Column("npn", "NPN")
PLAN_YEAR = Column("applicable_plan_year", "Applicable Plan Year", aliases=("plan_year",))
INDIVIDUAL_COMPLETED = Column(
    "individual_registration_completion_date",
    "Individual Registration Completion Date",
    aliases=("individual_registration_date", "individual_completion_date"),
)
INDIVIDUAL_END = Column(
    "individual_marketplace_end_date", "Individual Marketplace End Date", aliases=("individual_end_date",)
)
SHOP_COMPLETED = Column(
    "shop_registration_completion_date", "Shop Registration Completion Date", required=False,
    aliases=("shop_registration_date", "shop_completion_date"),
)  # fmt: skip
SHOP_END = Column("shop_end_date", "Shop End Date", required=False, aliases=("shop_marketplace_end_date",))
NPN_VALID = Column("npn_valid", "NPN Valid (Current Plan Year Only)", required=False)


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


class FfmImporter:
    kind = ImportKind.FFM
    columns: tuple[Column, ...] = (
        NPN,
        PLAN_YEAR,
        INDIVIDUAL_COMPLETED,
        INDIVIDUAL_END,
        SHOP_COMPLETED,
        SHOP_END,
        NPN_VALID,
    )
    spec = MergeSpec(
        target=FfmRegistration._meta.db_table,
        keys=("npn", "plan_year"),
        values=("individual_completed_on", "individual_ended_on"),
        # Listed twice: the latest completion wins, then the one that has not ended.
        best_first="individual_completed_on IS NULL, individual_completed_on DESC,"
        " individual_ended_on IS NOT NULL, individual_ended_on DESC",
    )

    def records(self, stream: IO[bytes]) -> Iterator[tuple[int, Record | RowError]]:
        for line, values in csv_rows(stream, self.columns):
            try:
                yield line, self.parse(values)
            except RowError as error:
                yield line, error

    def parse(self, values: Mapping[str, str]) -> Record:
        npn = parse_npn(values["npn"])
        plan_year = parse_plan_year(values["applicable_plan_year"], PLAN_YEAR.title)
        completed = parse_date(values["individual_registration_completion_date"], INDIVIDUAL_COMPLETED.title)
        ended = parse_date(values["individual_marketplace_end_date"], INDIVIDUAL_END.title)
        for column in (SHOP_COMPLETED, SHOP_END):
            if column.key in values:
                parse_date(values[column.key], column.title)
        if completed and ended and ended < completed:
            raise RowError(INDIVIDUAL_END.title, _("ends before the registration was completed"))
        return (npn, str(plan_year), _iso(completed), _iso(ended))  # type: ignore[return-value]

    def write(self, records: Iterator[Record], report: Report) -> list[str]:
        result = merge(self.spec, records)
        report.changes = {"added": result.added, "changed": result.changed, "removed": result.removed}
        return result.affected_npns


STATUS = Column("status", "Status")
MARKETPLACES = Column("marketplaces", "Marketplaces", aliases=("marketplace",))
EFFECTIVE_YEAR = Column("effective_plan_year", "Effective Plan Year", aliases=("plan_year", "applicable_plan_year"))
REGISTERED = Column("registration_completion_date", "Registration Completion Date", required=False)
TERMINATED = Column("termination_or_suspension_date", "Termination or Suspension Date", aliases=("termination_date",))
MARKETPLACE_VALUES = ("BOTH", "INDIVIDUAL", "SHOP")


class TerminationImporter(FfmImporter):
    kind = ImportKind.TERMINATIONS
    columns = (NPN, STATUS, MARKETPLACES, EFFECTIVE_YEAR, REGISTERED, TERMINATED)
    spec = MergeSpec(
        target=Termination._meta.db_table,
        keys=("npn", "plan_year"),
        values=("status", "marketplaces", "registered_on", "terminated_on"),
        best_first="terminated_on IS NULL, terminated_on DESC",
    )

    def parse(self, values: Mapping[str, str]) -> Record:
        npn = parse_npn(values["npn"])
        status = values["status"]
        if not status or len(status) > 40:
            raise RowError(STATUS.title, _("%(value)s is not a status") % {"value": shown(status)})
        marketplaces = values["marketplaces"].upper()
        if marketplaces not in MARKETPLACE_VALUES:
            raise RowError(
                MARKETPLACES.title,
                _("%(value)s is not one of %(choices)s")
                % {"value": shown(values["marketplaces"]), "choices": ", ".join(MARKETPLACE_VALUES)},
            )
        plan_year = parse_plan_year(values["effective_plan_year"], EFFECTIVE_YEAR.title)
        registered = parse_date(values.get("registration_completion_date", ""), REGISTERED.title)
        terminated = parse_date(values["termination_or_suspension_date"], TERMINATED.title)
        return (npn, str(plan_year), status, marketplaces, _iso(registered), _iso(terminated))  # type: ignore[return-value]
