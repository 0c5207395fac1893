"""lib.inserts: the plain INSERTs of the hot paths store what the ORM would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hod.testing import WEEKDAY_MORNING, request_referral
from lib.inserts import FEW, add, add_all, add_together
from notifications import outbox
from notifications.models import Message
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


def _events(referral, count: int) -> list[Event]:
    return [
        Event(at=WEEKDAY_MORNING, kind="missed", actor="system", referral=referral, data={"n": n}) for n in range(count)
    ]


# Few rows of each model go in one statement on PostgreSQL; more, or SQLite, one per model.
@pytest.mark.parametrize("events", [2, FEW + 3])
def test_add_together_stores_each_model_s_rows_with_their_own_keys(events: int):
    referral = request_referral(WEEKDAY_MORNING)
    written = _events(referral, events)
    notices = [
        outbox.consumer_message(referral, "consumer_received", {"location": f"place {n}"}, WEEKDAY_MORNING)
        for n in range(3)
    ]
    add_together(written, [], notices)
    for rows, model in ((written, Event), (notices, Message)):
        keys = [row.pk for row in rows]
        assert None not in keys and keys == sorted(set(keys))  # each its own, in the list's order
        assert [model.objects.get(pk=key).data for key in keys] == [row.data for row in rows]


@pytest.mark.postgres  # data-modifying WITH clauses are PostgreSQL's
def test_add_along_runs_its_clauses_in_the_same_statement():
    referral = request_referral(WEEKDAY_MORNING)
    (event,) = _events(referral, 1)
    along = ("marked AS (UPDATE referrals_referral SET city = %s WHERE id = %s)", ["Marked City", referral.pk])
    add(event, along=along)
    assert Event.objects.get(pk=event.pk).data == {"n": 0}
    referral.refresh_from_db()
    assert referral.city == "Marked City"
