"""Keep sent messages in memory, for tests. `fail_next` makes the next sends fail."""

from __future__ import annotations

from notifications.channels.base import BaseChannel, Rendered

outbox: list[Rendered] = []
fail_next: list[Exception] = []  # DeliveryError, or anything a provider's client might raise


class MemoryChannel(BaseChannel):
    def send(self, message: Rendered) -> None:
        if fail_next:
            raise fail_next.pop(0)
        outbox.append(message)
