"""Log records as operators read them: a UTC timestamp first, whatever the server's zone;
one line of text, or one JSON object (LOG_FORMAT=json) for log pipelines; never a phone
number or an email address (R-SEC-1: logs travel further than the database)."""

from __future__ import annotations

import logging
import re
import time

from pythonjsonlogger.json import JsonFormatter

from lib.phones import replace_phone_numbers

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


def utc(seconds: float | None = None) -> time.struct_time:
    return time.gmtime(seconds)


class UTCFormatter(logging.Formatter):
    converter = staticmethod(utc)


class UTCJsonFormatter(JsonFormatter):
    converter = staticmethod(utc)


def without_contacts(text: str) -> str:
    """`text` with every email address and phone number in it replaced by a placeholder."""
    return replace_phone_numbers(EMAIL.sub("<email>", text), "<phone>")


class WithoutContacts(logging.Filter):
    """Takes contact data out of every record a handler writes: its message, its traceback
    (an exception's text may quote a row's values) and a failed request's address (whose
    query string is the caller's). The code that logs already leaves addresses out; this is
    the net under it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = without_contacts(record.getMessage()), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = without_contacts(record.exc_text)
        if record.stack_info:
            record.stack_info = without_contacts(record.stack_info)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = f"{request.method} {without_contacts(request.path)}"
        return True
