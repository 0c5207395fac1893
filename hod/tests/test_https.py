"""Deployed behind HTTPS (an https SITE_URL), the service keeps its cookies off plain http,
tells browsers to use nothing else, and redirects http, except the load balancers' health
checks. Settings are read once per process, so each case runs in a process of its own."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from hod.testing import ROOT, deployment_env

PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client(HTTP_HOST="hod.example")
answers = {}
for name, path, headers in (
    ("healthz", "/healthz", {}),
    ("login over http", "/accounts/login/", {}),
    ("login over https", "/accounts/login/", {"HTTP_X_FORWARDED_PROTO": "https"}),
):
    response = client.get(path, **headers)
    answers[name] = {
        "status": response.status_code,
        "location": response.get("Location"),
        "hsts": response.get("Strict-Transport-Security"),
        "secure cookies": sorted(name for name, cookie in response.cookies.items() if cookie["secure"]),
        "cookies": sorted(response.cookies),
    }
print(json.dumps(answers))
"""


def deployed(tmp_path: Path, site_url: str, *command: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`command` run as a deployment at `site_url`, configured by `settings`, would run it."""
    env = deployment_env(
        tmp_path,
        SITE_URL=site_url,
        ALLOWED_HOSTS="hod.example",
        SECRET_KEY="a-long-random-production-key-" + "x" * 40,
        DEBUG="false",
        **settings,
    )
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_an_https_site_passes_djangos_deployment_checks_once_its_owner_commits_the_domain(tmp_path):
    check = (sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    checked = deployed(tmp_path, "https://hod.example", *check)
    # Left to the domain's owner: HSTS for every subdomain, and the browsers' preload list.
    assert checked.returncode != 0
    assert sorted(set(re.findall(r"security\.W\d+", checked.stderr))) == ["security.W005", "security.W021"]
    committed = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true"}
    checked = deployed(tmp_path, "https://hod.example", *check, **committed)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_local_http_default_is_what_the_deployment_checks_warn_of(tmp_path):
    checked = deployed(tmp_path, "http://127.0.0.1:8000", sys.executable, "manage.py", "check", "--deploy",
                       "--fail-level", "WARNING")  # fmt: skip
    assert checked.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in checked.stderr


def test_over_https_cookies_are_secure_http_is_redirected_and_health_checks_are_not(tmp_path):
    probed = deployed(tmp_path, "https://hod.example", sys.executable, "-c", PROBE)
    assert probed.returncode == 0, probed.stderr
    answers = json.loads(probed.stdout.strip().splitlines()[-1])
    assert answers["healthz"]["status"] == 200
    assert answers["login over http"]["status"] == 301
    assert answers["login over http"]["location"] == "https://hod.example/accounts/login/"
    over_https = answers["login over https"]
    assert over_https["status"] == 200
    assert over_https["hsts"] == "max-age=31536000"
    assert over_https["cookies"] and over_https["secure cookies"] == over_https["cookies"]


def test_a_local_http_site_serves_http_without_secure_cookies(tmp_path):
    probed = deployed(tmp_path, "http://127.0.0.1:8000", sys.executable, "-c", PROBE)
    assert probed.returncode == 0, probed.stderr
    answers = json.loads(probed.stdout.strip().splitlines()[-1])
    login = answers["login over http"]
    assert (login["status"], login["hsts"], login["secure cookies"]) == (200, None, [])
    assert login["cookies"] == ["csrftoken"]
