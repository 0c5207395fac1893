"""Log records as operators read them: a UTC timestamp first, whatever the server's zone;
one line of text, or one JSON object (LOG_FORMAT=json) for log pipelines; never a phone
number, an email address or a row's values quoted by a database error (R-SEC-1: logs
travel further than the database)."""

from __future__ import annotations

import logging
import re
import time

from pythonjsonlogger.json import JsonFormatter

from lib.phones import replace_phone_numbers

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# PostgreSQL's DETAIL of a failed constraint quotes the row's values, names included:
# "Failing row contains (…)" and "Key (phone, created_at)=(…) already exists". The columns
# stay, so the line still says which constraint and which fields.
ROW_VALUES = re.compile(r"(Failing row contains |Key \([^()]*\)=)\(.*\)")


def utc(seconds: float | None = None) -> time.struct_time:
    return time.gmtime(seconds)


class UTCFormatter(logging.Formatter):
    converter = staticmethod(utc)


class UTCJsonFormatter(JsonFormatter):
    converter = staticmethod(utc)


def without_contacts(text: str) -> str:
    """`text` with every email address and phone number in it, and the row values a
    database error quotes, replaced by placeholders."""
    return replace_phone_numbers(EMAIL.sub("<email>", ROW_VALUES.sub(r"\1(<values>)", text)), "<phone>")


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
