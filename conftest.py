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
