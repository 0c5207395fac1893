from __future__ import annotations

import pytest
from django.test import override_settings

from notifications.channels import locmem


@pytest.fixture(autouse=True)
def _memory_channels(settings: object, tmp_path: object) -> object:
    """Every test delivers to memory and starts with an empty outbox."""
    locmem.outbox.clear()
    locmem.fail_next.clear()
    channels = {name: "notifications.channels.locmem.MemoryChannel" for name in ("email", "sms", "push")}
    from notifications.delivery import channel

    channel.cache_clear()
    with override_settings(HOD_CHANNELS=channels, HOD_PLAN_YEAR=2027):
        yield
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
