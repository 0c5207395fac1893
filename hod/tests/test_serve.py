"""`manage.py serve`, what `make run` ends in: it listens where it says it does, and a port
it cannot use is a one-line reason, not a traceback or a server on some other port."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hod.testing import ROOT, deployment_env, wait_until

SERVE = (sys.executable, "manage.py", "serve", "--no-dispatcher")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(tmp_path: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (*SERVE, *arguments),
        cwd=ROOT,
        env=deployment_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("arguments", "settings", "error"),
    [
        (("--port", "99999"), {}, "--port='99999': give a whole number from 1 to 65,535"),
        (("--port", "http"), {}, "--port='http': give a whole number from 1 to 65,535"),
        ((), {"PORT": "eighty"}, "PORT='eighty': give a whole number from 1 to 65,535"),
        ((), {"PORT": "0"}, "PORT='0': give a whole number from 1 to 65,535"),
        (("--threads", "0"), {}, "--threads='0': give a whole number from 1 to 1,000"),
    ],
)
def test_a_bad_port_or_thread_count_is_refused_with_the_reason(
    tmp_path: Path, arguments: tuple[str, ...], settings: dict[str, str], error: str
) -> None:
    ran = serve(tmp_path, *arguments, **settings)
    assert ran.returncode == 1
    assert ran.stderr.strip() == f"CommandError: {error}"
    assert "is running" not in ran.stdout


def test_a_port_already_taken_says_so_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = serve(tmp_path, "--port", str(port))
    assert ran.returncode == 1
    assert ran.stderr.strip() == (
        f"CommandError: Cannot listen on 127.0.0.1:{port} (Address already in use). If Help On Demand or "
        "another program already runs there, stop it or choose another port: PORT=8001 make run"
    )


def test_it_serves_on_the_port_it_announces(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        SERVE, cwd=ROOT, env=deployment_env(tmp_path, PORT=str(port)), stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        announced = server.stdout.readline()
        assert announced.startswith(f"Help On Demand is running on http://127.0.0.1:{port}/ (consumer page)")
        assert wait_until(lambda: _healthy(port), 30)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_sigterm_stops_it_cleanly_dispatcher_and_all(tmp_path: Path) -> None:
    """What a service manager or a container runtime sends: the server finishes what it is
    doing, the dispatcher its round, and the process ends with success (not killed)."""
    migrated = subprocess.run(
        (sys.executable, "manage.py", "migrate", "-v0"), cwd=ROOT, env=deployment_env(tmp_path), check=False
    )
    assert migrated.returncode == 0
    port = free_port()
    server = subprocess.Popen(
        (sys.executable, "manage.py", "serve"),
        cwd=ROOT,
        env=deployment_env(tmp_path, PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: _healthy(port), 60)
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert out.splitlines()[-1] == "Help On Demand stopped."
    assert "dispatcher started" in err and "dispatcher stopped" in err
    assert "Traceback" not in err


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


# Run in a process of its own, where nothing is loaded yet: the server is asked to start,
# and what it has loaded is looked at the moment it would begin answering (in place of
# waitress, which is not this project's, a server whose `run` only looks).
LOADED_BEFORE_SERVING = """
import gc, json, sys
import django
django.setup()
import waitress.server
from django.core.management import call_command
from django.utils import translation

class LookingServer:
    def run(self):
        import portal.views
        tracked = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
        print(json.dumps({
            "views": "portal.views" in sys.modules and "hod.api" in sys.modules,
            "views_frozen": id(portal.views.__dict__) not in tracked,
            "catalogs": sorted(translation.trans_real._translations),
        }))

waitress.server.create_server = lambda *args, **kwargs: LookingServer()
call_command("serve", "--no-dispatcher")
"""


def test_everything_a_request_needs_is_loaded_before_the_first_one(tmp_path: Path) -> None:
    """Left to the first request, loading every view, the API's schemas and the Spanish
    translations took 0.2-0.3 s of that consumer's wait (and of every request queued behind
    it); and what is loaded after the garbage collector is told to leave the process's
    start-up alone (`gc.freeze`) is walked again by every full collection, mid-request."""
    ran = subprocess.run(
        (sys.executable, "-c", LOADED_BEFORE_SERVING),
        cwd=ROOT,
        env=deployment_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(next(line for line in ran.stdout.splitlines() if line.startswith("{")))
    assert seen == {"views": True, "views_frozen": True, "catalogs": ["en", "es"]}


def test_told_to_stop_while_it_loads_it_stops_cleanly(tmp_path: Path) -> None:
    """A service manager may stop it at any moment after it says it is starting, even in
    the second or so it loads before serving: it then ends with success, having served
    nothing, instead of dying of the signal."""
    server = subprocess.Popen(
        SERVE,
        cwd=ROOT,
        env=deployment_env(tmp_path, PORT=str(free_port()), LOG_LEVEL="INFO"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        seen = []
        for line in server.stderr:
            seen.append(line)
            if "web server starting" in line:
                break
        assert seen and "web server starting" in seen[-1], "".join(seen)
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert out.splitlines()[-1] == "Help On Demand stopped."
    assert "Traceback" not in err
