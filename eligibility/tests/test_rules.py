from __future__ import annotations

from datetime import date

import pytest

from eligibility.rules import (
    STATE_REASONS,
    LicenseFacts,
    RegistrationFacts,
    current_plan_year,
    evaluate,
    is_health_line,
    state_reason,
)

TODAY = date(2026, 11, 23)
SERVED_2027 = set("AL AK AZ AR DE FL HI IN IA KS LA MI MS MO MT NE NH NC ND OH OK SC SD TN TX UT WV WI WY".split())
REGISTERED = RegistrationFacts(date(2026, 9, 1), None, None)


def lic(state: str, *, active=True, expires=date(2028, 1, 1), health=1) -> LicenseFacts:
    return LicenseFacts(state, active, expires, health)


def check(**overrides):
    facts = dict(
        today=TODAY,
        plan_year=2027,
        served_states=SERVED_2027,
        registration=REGISTERED,
        hod_training_plan_year=2027,
        display_option=1,
        resident_state="AZ",
        languages=["en"],
        excluded_states=[],
        licenses=[lic("AZ")],
    )
    facts.update(overrides)
    return evaluate(**facts)


@pytest.mark.parametrize(
    ("text", "health"),
    [
        ("Accident and Health or Sickness", True),
        ("Accident & Health", True),
        ("Health", True),
        ("Life, Accident and Health", True),
        ("Sickness and Accident", True),
        ("Medicare Supplement", False),
        ("Credit Accident and Health", False),
        ("Travel Accident and Health", False),
        ("Life", False),
        ("Property", False),
    ],
)
def test_lines_of_authority_are_classified_by_their_text(text, health):
    assert is_health_line(text) is health


def test_the_seed_example_licensed_in_seven_states_wants_all_but_wisconsin():
    licenses = [lic(s) for s in ("AK", "AL", "AR", "AZ", "UT", "WI", "WY")]
    result = check(licenses=licenses, excluded_states=["WI"])
    assert result.eligible
    assert sorted(result.states) == ["AK", "AL", "AR", "AZ", "UT", "WY"]


def test_a_state_without_health_license_can_never_be_served():
    result = check(licenses=[lic("AZ"), lic("TX", health=0), lic("UT", active=False)])
    assert sorted(result.states) == ["AZ"]


def test_states_that_left_healthcare_gov_are_not_served():
    assert check(licenses=[lic("OR")]).reasons == ["no_served_state"]  # Oregon left for 2027
    assert check(licenses=[lic("OR"), lic("AZ")]).states == {"AZ": date(2028, 1, 1)}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"registration": None}, "not_registered"),
        ({"registration": RegistrationFacts(date(2026, 9, 1), date(2026, 11, 22), None)}, "registration_ended"),
        ({"registration": RegistrationFacts(date(2026, 9, 1), None, date(2026, 11, 1))}, "terminated"),
        ({"hod_training_plan_year": 2026}, "no_training"),
        ({"display_option": 4}, "display_option_4"),
        ({"languages": []}, "no_language"),
        ({"licenses": [lic("AZ", expires=date(2026, 11, 22))]}, "no_health_license"),
        ({"excluded_states": ["AZ"]}, "no_state_selected"),
    ],
)
def test_each_rule_of_eligibility_gives_its_reason(overrides, reason):
    result = check(**overrides)
    assert not result.eligible
    assert reason in result.reasons


def test_display_option_3_limits_to_the_resident_state():
    result = check(display_option=3, licenses=[lic("AZ"), lic("UT")])
    assert list(result.states) == ["AZ"]
    assert check(display_option=2, licenses=[lic("AZ"), lic("UT")]).states.keys() == {"AZ", "UT"}


@pytest.mark.parametrize(
    ("state", "overrides", "reason"),
    [
        ("UT", {}, "no_license_in_state"),
        ("UT", {"licenses": [lic("AZ"), lic("UT", active=False)]}, "license_inactive_in_state"),
        ("UT", {"licenses": [lic("AZ"), lic("UT", health=0)]}, "no_health_line_in_state"),
        ("UT", {"licenses": [lic("AZ"), lic("UT", expires=date(2026, 11, 22))]}, "license_expired_in_state"),
        ("CA", {"licenses": [lic("AZ"), lic("CA")]}, "state_not_served"),
        ("UT", {"licenses": [lic("AZ"), lic("UT")], "display_option": 3}, "display_option_3"),
        ("UT", {"licenses": [lic("AZ"), lic("UT")], "excluded_states": ["UT"]}, "state_deselected"),
        ("UT", {"licenses": [lic("AZ"), lic("UT", active=False), lic("UT")]}, None),  # one good license is enough
    ],
)
def test_a_state_left_out_of_an_eligible_agents_states_has_one_reason(state, overrides, reason):
    """The explanation's per-state reason agrees with `evaluate`: the state is left out
    exactly when a reason is given."""
    facts = dict(
        today=TODAY,
        served_states=SERVED_2027,
        display_option=1,
        resident_state="AZ",
        excluded_states=[],
        licenses=[lic("AZ")],
    )
    facts.update(overrides)
    assert state_reason(state, **facts) == reason
    assert reason is None or reason in STATE_REASONS
    assert check(**overrides).eligible
    assert (state in check(**overrides).states) == (reason is None)


def test_coverage_ends_with_the_earlier_of_license_and_registration():
    result = check(registration=RegistrationFacts(date(2026, 9, 1), date(2027, 3, 1), None))
    assert result.states == {"AZ": date(2027, 3, 1)}


def test_the_plan_year_turns_with_open_enrollment_on_november_1():
    assert current_plan_year(date(2026, 10, 31)) == 2026
    assert current_plan_year(date(2026, 11, 1)) == 2027
    assert current_plan_year(date(2026, 11, 1), configured=2026) == 2026
