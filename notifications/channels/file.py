"""Append each message to var/outbox/<channel>.log: the demo's stand-in for providers."""

from __future__ import annotations

from django.conf import settings

from notifications.channels.base import BaseChannel, Rendered


class FileChannel(BaseChannel):
    def send(self, message: Rendered) -> None:
        settings.HOD_OUTBOX_DIR.mkdir(parents=True, exist_ok=True)
        with open(settings.HOD_OUTBOX_DIR / f"{message.channel}.log", "a", encoding="utf-8") as out:
            out.write(f"To: {message.to}\nSubject: {message.subject}\n\n{message.body}\n{'-' * 60}\n")
