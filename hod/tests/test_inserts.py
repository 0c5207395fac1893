"""lib.inserts: the plain INSERTs of the hot paths store what the ORM would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hod.testing import WEEKDAY_MORNING, request_referral
from lib.inserts import FEW, add_all
from referrals.models import Event

pytestmark = pytest.mark.django_db


# A handful of rows goes as one VALUES list, more as one array per column: both paths.
@pytest.mark.parametrize("rows", [3, FEW + 5])
def test_add_all_gives_each_row_its_own_key_and_stores_every_value(rows: int):
    referral = request_referral(WEEKDAY_MORNING)
    kinds = [
        ("missed", {}),
        ("routed", {"chosen": None, "passed_over": [{"agent": 7, "reason": "day_off"}]}),
        ("paused", {"note": '«Ñandú» "quoted" O\'Brien 100% %s \\ back\u2028slash'}),
    ]
    events = [
        Event(at=WEEKDAY_MORNING + timedelta(seconds=n), kind=kind, actor="system", referral=referral, data=data)
        for n, (kind, data) in enumerate(kinds[n % 3] for n in range(rows))
    ]
    assert add_all(events) is events
    keys = [event.pk for event in events]
    assert None not in keys and len(set(keys)) == rows
    assert keys == sorted(keys)  # given in the order of the list
    for event in events:
        stored = Event.objects.get(pk=event.pk)
        assert (stored.kind, stored.data, stored.at, stored.referral_id, stored.offer_id) == (
            event.kind,
            event.data,
            event.at,
            referral.pk,
            None,
        )


def test_add_all_of_nothing_writes_nothing():
    before = Event.objects.count()
    assert add_all([]) == []
    assert Event.objects.count() == before
