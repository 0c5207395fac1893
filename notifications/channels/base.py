"""The channel interface: one small class per way of reaching somebody (STYLE §7)."""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryError(Exception):
    """A send that failed. Permanent failures (bad number, dead subscription) are not
    retried; the others are, with back-off, by notifications.delivery."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Rendered:
    channel: str
    to: str
    subject: str
    body: str


class BaseChannel:
    def send(self, message: Rendered) -> None:
        raise NotImplementedError
