"""What operators read in the logs: one record a line, stamped in UTC with its level, its
source and its process, so the lines of web servers and dispatchers can be told apart; as
text, or as JSON objects for a log pipeline (LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from hod.logs import WithoutContacts
from hod.testing import ROOT, deployment_env, request_referral

LOG = """
import django, logging
django.setup()
log = logging.getLogger("routing.dispatcher")
log.warning("expiring a batch of offers lost a lock race (%s); retrying", "40P01")
try:
    raise OSError("connection refused")
except OSError:
    log.exception("dispatcher round failed")
"""
CONTACTS = """
import django, logging
django.setup()
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response
log = logging.getLogger("notifications.delivery")
log.warning("provider said: %s", "no such number (602) 555-0134, +16025550134 or maria.lopez@example.com")
try:
    raise ValueError("duplicate key: phone=602.555.0134, email=MARIA.LOPEZ@Example.com, message 7")
except ValueError as error:
    log.exception("delivery of message %s failed", 7)
    request = RequestFactory().get("/portal/referrals/", {"q": "maria.lopez@example.com 6025550134"})
    log_response("Internal Server Error: %s", request.path, response=HttpResponse(status=500), request=request,
                 exception=error)
"""
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def logged(tmp_path: Path, script: str = LOG, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (sys.executable, "-c", script),
        cwd=ROOT,
        env=deployment_env(tmp_path, TZ="America/Phoenix", **settings),  # a server clock that is not UTC
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def recent(stamp: str) -> bool:
    """Written in UTC: within a minute of now in UTC (Phoenix time is hours away)."""
    return abs(datetime.now(UTC) - datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)) < timedelta(minutes=1)


def test_a_log_line_says_when_how_bad_where_and_which_process(tmp_path: Path) -> None:
    ran = logged(tmp_path)
    assert ran.returncode == 0, ran.stderr
    first = ran.stderr.splitlines()[0]
    found = re.fullmatch(
        r"(\S+) WARNING routing\.dispatcher\[(\d+)\] expiring a batch of offers lost a lock race \(40P01\); retrying",
        first,
    )
    assert found, first
    assert recent(found.group(1))
    assert "ERROR routing.dispatcher" in ran.stderr and "OSError: connection refused" in ran.stderr


def test_json_logs_are_one_object_a_record_with_the_same_facts(tmp_path: Path) -> None:
    ran = logged(tmp_path, LOG_FORMAT="json")
    assert ran.returncode == 0, ran.stderr
    warning, error = (json.loads(line) for line in ran.stderr.splitlines())
    assert set(warning) == {"time", "level", "logger", "process", "message"}
    assert (warning["level"], warning["logger"]) == ("WARNING", "routing.dispatcher")
    assert warning["message"] == "expiring a batch of offers lost a lock race (40P01); retrying"
    assert recent(warning["time"]) and isinstance(warning["process"], int)
    assert error["message"] == "dispatcher round failed"
    assert error["exc_info"].endswith("OSError: connection refused")  # the traceback, in the same object


def test_an_unknown_log_format_stops_the_process_with_the_reason(tmp_path: Path) -> None:
    ran = logged(tmp_path, LOG_FORMAT="xml")
    assert ran.returncode != 0
    assert ran.stderr.strip().endswith("LOG_FORMAT='xml': expected line or json")


def leaks(text: str) -> list[str]:
    return [trace for trace in ("555-0134", "5550134", "555.0134", "maria", "example.com") if trace in text.lower()]


def test_no_log_line_carries_a_phone_number_or_an_email_address(tmp_path: Path) -> None:
    """A provider's answer, an exception's text and a failed request's query string may
    quote a consumer's contact data: the lines keep what happened and lose whom."""
    ran = logged(tmp_path, CONTACTS)
    assert ran.returncode == 0, ran.stderr
    assert leaks(ran.stderr) == []
    lines = ran.stderr.splitlines()
    assert lines[0].endswith("provider said: no such number <phone>, <phone> or <email>")
    assert "ERROR notifications.delivery" in lines[1] and lines[1].endswith("delivery of message 7 failed")
    assert "ValueError: duplicate key: phone=<phone>, email=<email>, message 7" in ran.stderr
    assert "ERROR django.request" in ran.stderr and "Internal Server Error: /portal/referrals/" in ran.stderr


def test_json_log_lines_carry_no_contact_data_either(tmp_path: Path) -> None:
    ran = logged(tmp_path, CONTACTS, LOG_FORMAT="json")
    assert ran.returncode == 0, ran.stderr
    assert leaks(ran.stderr) == []
    provider, delivery, request = (json.loads(line) for line in ran.stderr.splitlines())
    assert provider["message"] == "provider said: no such number <phone>, <phone> or <email>"
    assert delivery["exc_info"].endswith("ValueError: duplicate key: phone=<phone>, email=<email>, message 7")
    assert request["message"] == "Internal Server Error: /portal/referrals/"
    assert (request["request"], request["status_code"]) == ("GET /portal/referrals/", 500)  # no query string
    assert request["exc_info"].endswith("message 7")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_database_error_quoting_a_consumers_row_is_logged_without_its_values() -> None:
    """PostgreSQL's DETAIL quotes the failing row, the consumer's name with it: the line keeps
    the error and the columns, not the values."""
    request_referral(first_name="Carmen", last_name="Ruiz")
    broken = "INSERT INTO referrals_referral (first_name, last_name, phone) VALUES ('Carmen', 'Ruiz', '+16025550134')"
    twice = "INSERT INTO referrals_referral SELECT (r).* FROM (SELECT r FROM referrals_referral r) s"
    texts = []
    for sql in (broken, twice):
        with pytest.raises(IntegrityError) as raised, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)  # in a savepoint: the test's transaction goes on after it
        texts.append(str(raised.value))
        record = logging.LogRecord("routing.dispatcher", logging.ERROR, __file__, 1, "round failed", None, None)
        record.exc_info = (raised.type, raised.value, raised.tb)
        WithoutContacts().filter(record)
        assert "Carmen" not in record.exc_text and "Ruiz" not in record.exc_text, record.exc_text
        texts.append(record.exc_text)
    assert "Carmen" in texts[0] and "Carmen" not in texts[1]  # PostgreSQL quotes her; the log does not
    assert texts[1].splitlines()[-1] == "DETAIL:  Failing row contains (<values>)."
    assert re.search(r"DETAIL:  Key \(id\)=\(<values>\) already exists\.$", texts[3])
