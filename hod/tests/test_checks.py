"""`make run` migrates with Django's system checks: a fresh start prints no warnings."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_system_checks_find_nothing_to_warn_of_on_this_database(capsys):
    call_command("check", databases=["default"], fail_level="WARNING")
    assert "no issues" in capsys.readouterr().out
