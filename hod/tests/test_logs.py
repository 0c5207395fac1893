"""What operators read in the logs: one line per record, stamped in UTC with its level, its
source and its process, so the lines of web servers and dispatchers can be told apart."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hod.testing import ROOT, deployment_env

LOG = """
import django, logging
django.setup()
logging.getLogger("routing.dispatcher").warning("expiring a batch of offers lost a lock race (%s); retrying", "40P01")
"""


def test_a_log_line_says_when_how_bad_where_and_which_process(tmp_path: Path) -> None:
    ran = subprocess.run(
        (sys.executable, "-c", LOG),
        cwd=ROOT,
        env=deployment_env(tmp_path, TZ="America/Phoenix"),  # a server clock that is not UTC
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = ran.stderr.strip()
    found = re.fullmatch(
        r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) WARNING routing\.dispatcher\[(\d+)\] "
        r"expiring a batch of offers lost a lock race \(40P01\); retrying",
        line,
    )
    assert found, line
    stamped = datetime.strptime(found.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - stamped) < timedelta(minutes=1)  # UTC, not Phoenix time
