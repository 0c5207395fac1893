"""lib.inserts: the plain INSERTs of the hot paths store what the ORM would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hod.testing import WEEKDAY_MORNING, request_referral
from lib.inserts import add_all
from referrals.models import Event

pytestmark = pytest.mark.django_db


def test_add_all_gives_each_row_its_own_key_and_stores_every_value():
    referral = request_referral(WEEKDAY_MORNING)
    events = [
        Event(at=WEEKDAY_MORNING + timedelta(seconds=n), kind=kind, actor="system", referral=referral, data=data)
        for n, (kind, data) in enumerate(
            [
                ("missed", {}),
                ("routed", {"chosen": None, "passed_over": [{"agent": 7, "reason": "day_off"}]}),
                ("paused", {"note": '«Ñandú» "quoted" \\ back\u2028slash'}),
            ]
        )
    ]
    assert add_all(events) is events
    keys = [event.pk for event in events]
    assert None not in keys and len(set(keys)) == 3
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
