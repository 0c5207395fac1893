"""Where consumers will wait (R-OPS): agents' standard hours, by state, language and hour of
the coming week, in Eastern Time."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from availability.models import Schedule, default_weekly
from hod.testing import WEEKDAY_MORNING, make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def arizona() -> None:
    """Phoenix keeps Mountain Standard Time all year: two hours behind Eastern in November."""
    make_agent("Ana", zip_code="85003", languages=["es", "en"], weekly=default_weekly())  # Mon–Fri 8–17
    saturdays = default_weekly()
    saturdays[5] = {"on": True, "start": "09:00", "end": "13:00"}
    make_agent("Bo", zip_code="85003", languages=["es"], weekly=saturdays)
    cy = make_agent("Cy", zip_code="85003", languages=["es"])
    Schedule.objects.filter(agent=cy).delete()  # no schedule: routing never offers to Cy
    make_agent("Dee", zip_code="75201", languages=["es"], states=["TX"])


def page(client: Client, query: str):
    with time_machine.travel(WEEKDAY_MORNING, tick=False):  # Monday 23 November 2026
        return client.get(f"/admin/operations/coverage/{query}")


def text(html: str, table: str) -> str:
    start = html.index(f'<table id="{table}">')
    return " ".join(re.sub(r"<[^>]+>", " ", html[start : html.index("</table>", start)]).split())


def test_each_hour_of_the_coming_week_counts_the_agents_whose_hours_cover_it(operator, arizona):
    html = page(operator, "?state=AZ&language=es").content.decode()
    assert "AZ, week of Nov. 30, 2026" in html
    grid = text(html, "grid")
    assert "Hour (ET) Mon Tue Wed Thu Fri Sat Sun" in grid
    assert "09:00 0 0 0 0 0 0 0" in grid  # 7:30 in Phoenix
    assert "10:00 2 2 2 2 2 0 0" in grid  # 8:30 in Phoenix: Ana and Bo; Cy has no hours
    assert "11:00 2 2 2 2 2 1 0" in grid  # Bo's Saturday from 9:00 Phoenix time
    assert "18:00 2 2 2 2 2 0 0" in grid and "19:00 0 0 0 0 0 0 0" in grid
    assert '<td class="nobody">0</td>' in html and '<td class="thin">1</td>' in html

    languages = text(html, "languages")
    # Spanish: 3 agents in AZ (Dee serves Texas); 45 weekday hours and 4 on Saturday covered.
    assert "Spanish 3 119 49" in languages
    assert "English 1 123 45" in languages
    assert "Vietnamese 0 168 0" in languages
    assert languages.index("Vietnamese") < languages.index("English") < languages.index("Spanish")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?state=ZZ&language=es", "state", "Select a valid choice. ZZ is not one of the available choices."),
        ("?state=AZ&language=xx", "language", "Select a valid choice. xx is not one of the available choices."),
        ("?language=es", "state", "This field is required."),
    ],
)
def test_a_bad_choice_is_named(operator, query, field, message):
    response = page(operator, query)
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert 'id="grid"' not in response.content.decode()


def test_a_link_naming_only_the_state_shows_its_week_in_the_initial_language(operator, arizona):
    response = page(operator, "?state=AZ")
    assert response.status_code == 200
    assert "Spanish 3 119 49" in text(response.content.decode(), "languages")
    assert '<option value="AZ" selected>AZ · Arizona</option>' in response.content.decode()


def test_staff_only_and_linked_from_the_console(operator):
    assert page(Client(), "?state=AZ&language=es").status_code == 302  # to the admin's sign-in
    assert 'href="/admin/operations/coverage/"' in operator.get("/admin/operations/").content.decode()
    empty = page(operator, "")
    assert empty.status_code == 200 and 'id="choice"' in empty.content.decode()
    assert 'id="grid"' not in empty.content.decode()


def test_it_speaks_spanish(operator, arizona):
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        html = operator.get("/admin/operations/coverage/?state=AZ&language=es", HTTP_ACCEPT_LANGUAGE="es").content
    text = html.decode()
    assert "Horas sin nadie disponible" in text and "Hora (ET)" in text and "lun" in text
