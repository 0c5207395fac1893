"""A small named cast for tests (STYLE §14): Carmen in Phoenix asks for help; Ana in
Phoenix and Diego in Tucson speak Spanish and are licensed in AZ; Bob is licensed only
in TX."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from agents.models import Agent, ContactMethod
from availability.models import Schedule
from eligibility.models import FfmRegistration, License, LineOfAuthority
from eligibility.rules import is_health_line
from eligibility.services import refresh_agent
from geo.zips import lookup
from intake.services import request_form, submit
from referrals.models import Referral

PLAN_YEAR = 2027
# Monday 2026-11-23, 10:00 in Phoenix (UTC-7 all year: Arizona keeps no daylight saving).
WEEKDAY_MORNING = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
ALWAYS = [{"on": True, "start": "00:00", "end": "24:00"} for _ in range(7)]

_npn = iter(range(10_000_001, 99_999_999))
PASSWORD = "Tq8#vLm2zR"


def make_agent(
    first_name: str,
    *,
    zip_code: str = "85004",
    languages: Iterable[str] = ("en",),
    states: Iterable[str] = ("AZ",),
    weekly: list[dict[str, object]] | None = None,
    contact: str = ContactMethod.EMAIL_TEXT_APP,
    registered: bool = True,
    training_year: int | None = PLAN_YEAR,
    display_option: int = 1,
    loa: str = "Accident and Health or Sickness",
    license_expires: date | None = date(2028, 12, 31),
    now: datetime = WEEKDAY_MORNING,
    **fields: object,
) -> Agent:
    place = lookup(zip_code)
    npn = str(next(_npn))
    values: dict[str, object] = dict(
        npn=npn,
        first_name=first_name,
        last_name="Tester",
        email=f"{first_name.lower()}.{npn}@agents.example",
        phone="+16025550100",
        preferred_contact=contact,
        zip_code=zip_code,
        city=place.city,
        county=place.county,
        zip_state=place.state,
        lat=place.lat,
        lon=place.lon,
        time_zone=place.time_zone,
        languages=list(languages),
        display_option=display_option,
        resident_state=place.state,
        hod_training_plan_year=training_year,
        registered_at=now if registered else None,
        cms_terms_accepted_at=now if registered else None,
        hod_terms_accepted_at=now if registered else None,
    )
    values.update(fields)
    agent = Agent.objects.create(**values)
    FfmRegistration.objects.create(npn=npn, plan_year=PLAN_YEAR, individual_completed_on=date(2026, 9, 1))
    for state in states:
        lic = License.objects.create(npn=npn, state=state, number=f"{state}-{npn}", expires_on=license_expires)
        LineOfAuthority.objects.create(license=lic, text=loa, is_health=is_health_line(loa))
    Schedule.objects.create(agent=agent, weekly=weekly or ALWAYS)
    refresh_agent(agent, now)
    agent.refresh_from_db()
    return agent


def consumer(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Carmen",
        "last_name": "Ruiz",
        "phone": "602-555-0134",
        "email": "carmen@example.com",
        "zip_code": "85004",
        "language": "es",
        "consent": True,
    }
    data.update(overrides)
    return data


def request_referral(now: datetime = WEEKDAY_MORNING, **overrides: object) -> Referral:
    """Carmen's request through the real intake path (form, then submit), at `now`.

    Each call is a request of its own: after the first, a phone of its own too, since the
    same request while the first is open would find the first (intake.services.submit)."""
    overrides.setdefault("phone", f"602-555-01{(34 + Referral.objects.count()) % 100:02d}")
    form = request_form(consumer(**overrides), now)
    assert form.is_valid(), form.errors  # noqa: S101 - a test helper
    referral, _created = submit(form, now)
    return referral


def signed_in(first_name: str, **fields: Any) -> tuple[Agent, Client]:
    """An agent with an account (username: the first name in lower case), signed in."""
    user = User.objects.create_user(first_name.lower(), password=PASSWORD)
    agent = make_agent(first_name, user=user, **fields)
    client = Client()
    client.force_login(user)
    return agent, client


def sign_in_operator(client: Client) -> User:
    """An operator (a superuser, username "op") signed in with `client`."""
    user = User.objects.create_superuser("op", "op@example.com", PASSWORD)
    client.force_login(user)
    return user


def database_url() -> str:
    """The test database as a DATABASE_URL, for a dispatcher started as its own process."""
    from django.db import connection

    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"


def wait_until(predicate: Callable[[], object], seconds: float) -> bool:
    """Wait for another thread or process to act (it runs on the real clock, not the test's):
    True as soon as `predicate()` holds, False if it still does not after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def policy_refusals(context: Any) -> list[str]:
    """What Chromium refuses in any page of a Playwright browser `context` because the site's
    Content Security Policy does not allow it, as it reports it on the console: a script
    written inline, or a source the policy does not name, shows here (and breaks the page
    for its users)."""
    refused: list[str] = []

    def note(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{message.location.get('url', '')}: {message.text}")

    context.on("console", note)
    return refused


def faint_text(results: Any) -> list[str]:
    """What axe-core (a run's `results`) measured below WCAG AA's 4.5:1 contrast yet left
    "incomplete" rather than failing: text the colour of its background, which axe takes for
    possibly hidden on purpose. Text it measures no ratio for (SVG labels) is not listed."""
    return [
        node["html"]
        for rule in results.response["incomplete"]
        if rule["id"] == "color-contrast"
        for node in rule["nodes"]
        if any(0 < ((check.get("data") or {}).get("contrastRatio") or 0) < 4.5 for check in node["any"])
    ]


ROOT = Path(__file__).resolve().parents[1]


def deployment_env(var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a process run as a deployment configured by `settings` alone would
    run: none of this test run's own variables (HOD_*, DATABASE_URL, the browser tests'
    DJANGO_ALLOW_ASYNC_UNSAFE), and an empty SQLite file of its own in `var_dir`."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("HOD_", "SECURE_", "DJANGO_")) and name not in {"DATABASE_URL", "SITE_URL", "PORT"}
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "hod.settings",
        "PYTHONPATH": str(ROOT),
        "HOD_VAR_DIR": str(var_dir),
        **settings,
    }
