"""Print each message to standard output: for a developer watching `manage.py dispatch`."""

from __future__ import annotations

import sys

from notifications.channels.base import BaseChannel, Rendered


class ConsoleChannel(BaseChannel):
    def send(self, message: Rendered) -> None:
        sys.stdout.write(f"[{message.channel}] to {message.to}: {message.subject}\n{message.body}\n\n")
        sys.stdout.flush()
