"""Demo data loaded into a running service: a dispatcher that is already polling must not
see the demo history half-written (referrals from days ago whose offers' 15 minutes are long
over) and re-route one in the moment before its demo agent accepts it. Each referral of the
history is such a moment; before the history was written in one transaction, this test
failed in five runs of six."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from hod.testing import wait_until
from notifications.tests.test_dispatcher_processes import listening, start_dispatcher
from referrals.models import Event, Referral, Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def test_seeding_beside_a_busy_dispatcher_writes_the_whole_history(tmp_path: Path, stopped_at_end: Any) -> None:
    stopped_at_end.append(start_dispatcher(tmp_path, HOD_DISPATCH_POLL_SECONDS="0"))
    assert wait_until(listening, 30), "the dispatcher never started"
    out = StringIO()
    call_command("seed_demo", agents=50, seed=1, stdout=out)
    assert "Created 9 demo referrals (3 waiting for an answer)." in out.getvalue()
    statuses = sorted(Referral.objects.values_list("status", flat=True))
    assert statuses.count(Status.OFFERED) == 3
    assert not Event.objects.filter(kind="missed").exists()  # nobody re-routed the history
