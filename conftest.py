from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import hypothesis
import pytest
from django.test import override_settings
from django.utils import translation

from notifications.channels import locmem

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path(os.environ.get("HOD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]

# The fuzz tests (hypothesis, schemathesis) explore new inputs on a developer's machine and
# keep what failed; under CI they replay one fixed set of inputs, so a run's outcome depends
# on the commit alone and a bug found locally is not first met by chance in CI.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis.settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(autouse=True)
def _memory_channels(settings: object, tmp_path: object) -> object:
    """Every test delivers to memory and starts with an empty outbox, reads the served
    states afresh (a test that emptied the table must not leave its answer cached), and
    starts in English whatever language the test before it left active (a Spanish page
    through the test client activates Spanish for the thread)."""
    from eligibility.services import _served_cache

    _served_cache.clear()
    locmem.outbox.clear()
    locmem.fail_next.clear()
    channels = {name: "notifications.channels.locmem.MemoryChannel" for name in ("email", "sms", "push")}
    from notifications.delivery import channel

    channel.cache_clear()
    with override_settings(HOD_CHANNELS=channels, HOD_PLAN_YEAR=2027), translation.override("en"):
        yield
    channel.cache_clear()


@pytest.fixture
def smtp() -> Iterator[object]:
    """A real SMTP server on loopback; the email channel and Django's mail both use it."""
    from notifications.delivery import channel
    from notifications.tests.peers import smtp_server

    memory = "notifications.channels.locmem.MemoryChannel"
    channels = {"email": "notifications.channels.email.EmailChannel", "sms": memory, "push": memory}
    channel.cache_clear()
    with smtp_server() as (inbox, port):
        try:
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=port,
                HOD_CHANNELS=channels,
            ):
                yield inbox
        finally:
            channel.cache_clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Concurrency tests need PostgreSQL; on SQLite they are skipped, except in CI's
    PostgreSQL run, which must never skip them."""
    import os

    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("HOD_REQUIRE_POSTGRES_TESTS"):
        raise pytest.UsageError("HOD_REQUIRE_POSTGRES_TESTS is set but DATABASE_URL is not PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """A transactional test starts from an emptied database: put back what the migrations
    load (the states that use HealthCare.gov), as a fresh install has it."""
    import importlib

    from django.apps import apps

    from eligibility.services import _served_cache

    importlib.import_module("eligibility.migrations.0002_served_states").load(apps, None)
    _served_cache.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (nothing is downloaded at run time).

    `make test` installs the `chromium` package when it can (as root); elsewhere the browser
    tests are skipped with the reason, except under CI, where a missing browser fails."""
    if not CHROMIUM.exists():
        reason = f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety check must not refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_as_shipped(browser: Browser) -> Iterator[Browser]:
    """Chromium with its back/forward cache on, as browsers ship it (Playwright turns it off):
    Back shows the page as the visitor left it, without asking the server again."""
    shipped = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield shipped
    shipped.close()


@pytest.fixture
def stopped_at_end() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts (dispatchers), stopped with SIGTERM when it ends: each must
    stop cleanly."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, "a dispatcher did not stop cleanly on SIGTERM"
