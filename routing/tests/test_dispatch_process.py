"""`manage.py dispatch` as a service manager runs it: a stop asked at any moment after it
says it is starting ends it cleanly (status 0), even while it is still loading."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from hod.testing import ROOT, deployment_env


def test_a_dispatcher_told_to_stop_while_it_loads_stops_cleanly(tmp_path: Path) -> None:
    env = deployment_env(tmp_path, LOG_LEVEL="INFO")
    migrated = subprocess.run((sys.executable, "manage.py", "migrate", "-v0"), cwd=ROOT, env=env, check=False)
    assert migrated.returncode == 0
    dispatcher = subprocess.Popen(
        (sys.executable, "manage.py", "dispatch"), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert dispatcher.stderr is not None
        seen = []
        for line in dispatcher.stderr:  # until it says it is starting: it then loads for a second or so
            seen.append(line.decode())
            if "dispatcher starting" in seen[-1]:
                break
        assert seen and "dispatcher starting" in seen[-1], "".join(seen)
    finally:
        dispatcher.send_signal(signal.SIGTERM)
        out, err = dispatcher.communicate(timeout=60)
    assert dispatcher.returncode == 0, err.decode()
    assert b"Traceback" not in err
