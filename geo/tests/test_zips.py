from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

import pytest

from availability import services as availability
from geo.zips import all_places, lookup
from hod.testing import WEEKDAY_MORNING, make_agent


def test_every_routable_zip_has_a_time_zone_the_clock_knows():
    known = available_timezones()
    assert [p.zip_code for p in all_places() if p.time_zone not in known] == []


def test_a_zip_whose_data_names_no_real_time_zone_takes_its_states():
    """The package's data gives 99634 (Napakiak, Alaska) the zone "Napakiak"."""
    assert lookup("99634").time_zone == "America/Anchorage"
    assert lookup("85004").time_zone == "America/Phoenix"  # the others keep their own
    assert lookup("46514").time_zone == "America/Indiana/Indianapolis"


@pytest.mark.django_db
def test_an_agent_in_napakiak_has_working_hours():
    agent = make_agent("Nanuq", zip_code="99634", states=("AK",))
    assert agent.time_zone == "America/Anchorage"
    today = availability.today(agent, WEEKDAY_MORNING)  # 08:00 in Alaska
    assert today.on and today.stop_at == datetime(2026, 11, 24, tzinfo=ZoneInfo("America/Anchorage"))  # its midnight
