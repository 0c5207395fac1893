"""Log records as operators read them: a UTC timestamp first, whatever the server's zone."""

from __future__ import annotations

import logging
import time


class UTCFormatter(logging.Formatter):
    @staticmethod
    def converter(seconds: float | None = None) -> time.struct_time:
        return time.gmtime(seconds)
