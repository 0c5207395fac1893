"""Log records as operators read them: a UTC timestamp first, whatever the server's zone;
one line of text, or one JSON object (LOG_FORMAT=json) for log pipelines."""

from __future__ import annotations

import logging
import time

from pythonjsonlogger.json import JsonFormatter


def utc(seconds: float | None = None) -> time.struct_time:
    return time.gmtime(seconds)


class UTCFormatter(logging.Formatter):
    converter = staticmethod(utc)


class UTCJsonFormatter(JsonFormatter):
    converter = staticmethod(utc)
