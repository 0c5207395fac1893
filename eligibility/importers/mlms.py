"""The MLMS profile export, in the CSV we define (README, samples/mlms.csv; REFERENCE §3).

Columns: NPN, First Name, Last Name, Email, Languages (ISO 639-1 codes separated by `;`),
Resident State, Display Option (1–4), HOD Training Completed (MM/DD/YYYY or empty),
Plan Year. A new NPN becomes an agent; a known one takes the file's name, email,
languages, resident state, display option and training — the only way they change
(R-ELIG-5). Agents the file does not name are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from agents.models import Agent
from eligibility.importers.base import (
    Column,
    Report,
    RowError,
    csv_rows,
    parse_date,
    parse_npn,
    parse_plan_year,
    parse_state,
    parse_text,
    shown,
)
from eligibility.models import ImportKind
from lib.languages import LANGUAGES

WRITE_BATCH = 1000
COLUMNS = (
    Column("npn", "NPN"),
    Column("first_name", "First Name"),
    Column("last_name", "Last Name"),
    Column("email", "Email"),
    Column("languages", "Languages"),
    Column("resident_state", "Resident State"),
    Column("display_option", "Display Option"),
    Column("hod_training_completed", "HOD Training Completed", aliases=("hod_training_completed_date",)),
    Column("plan_year", "Plan Year"),
)
FIELDS = ("first_name", "last_name", "email", "languages", "resident_state", "display_option", "hod_training_plan_year")


@dataclass(frozen=True)
class Profile:
    npn: str
    first_name: str
    last_name: str
    email: str
    languages: list[str]
    resident_state: str
    display_option: int
    trained: bool
    plan_year: int


class MlmsImporter:
    kind = ImportKind.MLMS

    def records(self, stream: IO[bytes]) -> Iterator[tuple[int, Profile | RowError]]:
        seen: dict[str, int] = {}
        for line, values in csv_rows(stream, COLUMNS):
            try:
                profile = self.parse(values)
                if profile.npn in seen:
                    raise RowError("NPN", _("%(npn)s is listed again (first on line %(line)s)")
                                   % {"npn": profile.npn, "line": seen[profile.npn]})  # fmt: skip
                seen[profile.npn] = line
                yield line, profile
            except RowError as error:
                yield line, error

    def parse(self, values: Mapping[str, str]) -> Profile:
        npn = parse_npn(values["npn"])
        first = parse_text(values["first_name"], "First Name", max_length=100)
        last = parse_text(values["last_name"], "Last Name", max_length=100)
        email = values["email"]
        try:
            validate_email(email)
        except ValidationError as error:
            raise RowError("Email", _("%(value)s is not an email address") % {"value": shown(email)}) from error
        codes = [code.strip().lower() for code in values["languages"].split(";") if code.strip()]
        if not codes:
            raise RowError("Languages", _("is empty: list at least one ISO 639-1 code, such as en;es"))
        unknown = [code for code in codes if code not in LANGUAGES]
        if unknown:
            raise RowError(
                "Languages",
                _("%(codes)s not among the HealthCare.gov languages (%(known)s)")
                % {"codes": ", ".join(shown(c) for c in unknown), "known": ", ".join(LANGUAGES)},
            )
        state = parse_state(values["resident_state"], "Resident State")
        option = values["display_option"]
        if option not in {"1", "2", "3", "4"}:
            raise RowError("Display Option", _("%(value)s is not 1, 2, 3 or 4") % {"value": shown(option)})
        trained = parse_date(values["hod_training_completed"], "HOD Training Completed") is not None
        plan_year = parse_plan_year(values["plan_year"], "Plan Year")
        return Profile(
            npn, first, last, email.lower(), list(dict.fromkeys(codes)), state, int(option), trained, plan_year
        )

    def write(self, records: Iterator[Profile], report: Report) -> list[str]:
        added: list[str] = []
        changed: list[str] = []
        batch: list[Profile] = []
        for profile in records:
            batch.append(profile)
            if len(batch) == WRITE_BATCH:
                _write_batch(batch, added, changed)
                batch = []
        if batch:
            _write_batch(batch, added, changed)
        report.agents_added = added
        report.changes = {"added": len(added), "changed": len(changed)}
        return added + changed


def _write_batch(batch: list[Profile], added: list[str], changed: list[str]) -> None:
    existing = {
        agent.npn: agent for agent in Agent.objects.filter(npn__in=[p.npn for p in batch]).select_related("user")
    }
    new: list[Agent] = []
    updated: list[Agent] = []
    for profile in batch:
        agent = existing.get(profile.npn)
        if agent is None:
            agent = Agent(npn=profile.npn)
            new.append(agent)
        values = {
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "email": profile.email,
            "languages": profile.languages,
            "resident_state": profile.resident_state,
            "display_option": profile.display_option,
            "hod_training_plan_year": profile.plan_year
            if profile.trained
            else (None if agent.hod_training_plan_year == profile.plan_year else agent.hod_training_plan_year),
        }
        if agent.pk is not None and all(getattr(agent, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(agent, name, value)
        if agent.pk is not None:
            updated.append(agent)
            changed.append(agent.npn)
            if agent.user is not None and (agent.user.email, agent.user.first_name, agent.user.last_name) != (
                agent.email, agent.first_name, agent.last_name
            ):  # fmt: skip
                agent.user.email = agent.email
                agent.user.first_name = agent.first_name
                agent.user.last_name = agent.last_name
                agent.user.save(update_fields=["email", "first_name", "last_name"])
    with transaction.atomic():
        Agent.objects.bulk_create(new)
        Agent.objects.bulk_update(updated, FIELDS)
    added.extend(agent.npn for agent in new)
