"""A realistic, deterministic demo population (seed_demo, benchmarks).

Coverage is computed with the same pure rules as eligibility.services, in memory, so a
hundred thousand agents load in bulk rather than one refresh at a time.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from agents.models import Agent, ApiToken, ContactMethod
from availability.models import Schedule, default_weekly
from eligibility import rules
from eligibility.models import Coverage, FfmRegistration, License, LineOfAuthority
from eligibility.services import plan_year_at, refresh_agent, served_states
from geo.zips import Place, all_places, lookup

# 2020 census, thousands of residents: more agents where more people live.
POPULATION = {
    "AL": 5025, "AK": 733, "AZ": 7152, "AR": 3012, "DE": 990, "FL": 21538, "HI": 1455,
    "IN": 6786, "IA": 3190, "KS": 2938, "LA": 4658, "MI": 10077, "MS": 2961, "MO": 6155,
    "MT": 1084, "NE": 1962, "NH": 1378, "NC": 10439, "ND": 779, "OH": 11799, "OK": 3959,
    "OR": 4237, "SC": 5118, "SD": 887, "TN": 6911, "TX": 29146, "UT": 3272, "WV": 1794,
    "WI": 5894, "WY": 577,
}  # fmt: skip
# Share of agents speaking each language besides English.
LANGUAGE_SHARE = {
    "es": 0.30,
    "vi": 0.03,
    "zh": 0.03,
    "ko": 0.02,
    "ht": 0.02,
    "fr": 0.01,
    "ru": 0.01,
    "tl": 0.01,
    "pt": 0.01,
}
FIRST = [
    "Ana",
    "Luis",
    "Maria",
    "James",
    "Linh",
    "Wei",
    "Min-jun",
    "Jean",
    "Olga",
    "Grace",
    "David",
    "Sofia",
    "Carlos",
    "Emily",
    "Nguyen",
    "Aisha",
]
LAST = [
    "Garcia",
    "Smith",
    "Nguyen",
    "Chen",
    "Kim",
    "Baptiste",
    "Johnson",
    "Martinez",
    "Lopez",
    "Brown",
    "Davis",
    "Patel",
    "Ivanova",
    "Santos",
]

DEMO_PASSWORD = "Demo-Agent-2027!"  # noqa: S105 - published demo sign-in
DEMO_TOKEN = "demo-token-ana"  # noqa: S105 - published demo API token


@dataclass(frozen=True)
class Draft:
    npn: str
    first_name: str
    last_name: str
    place: Place
    licensed: list[str]
    languages: list[str]
    weekly: list[dict[str, object]]
    breaks: list[dict[str, object]]
    contact: str
    suspended: bool
    untrained: bool
    display_option: int
    registered: bool


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def _schedule(rnd: random.Random) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    kind = rnd.random()
    weekly = default_weekly()
    breaks: list[dict[str, object]] = []
    if kind < 0.45:
        pass  # the default: Monday–Friday 8–5
    elif kind < 0.65:
        weekly = [{"on": d < 5, "start": "09:00", "end": "18:00"} for d in range(7)]
        breaks = [{"days": [0, 1, 2, 3, 4], "start": "12:00", "end": "13:00"}]
    elif kind < 0.82:
        weekly = [{"on": True, "start": "08:00", "end": "20:00"} for _ in range(7)]
    elif kind < 0.95:
        weekly = [{"on": d < 6, "start": "12:00", "end": "22:00"} for d in range(7)]
    else:
        weekly = [{"on": True, "start": "00:00", "end": "24:00"} for _ in range(7)]
    return weekly, breaks


def _places_by_state(states: set[str]) -> dict[str, list[Place]]:
    by_state: dict[str, list[Place]] = defaultdict(list)
    for place in all_places():
        if place.state in states:
            by_state[place.state].append(place)
    return by_state


def generate(count: int, seed: int, plan_year: int) -> Iterator[Draft]:
    rnd = random.Random(seed)  # noqa: S311 - demo data, not security
    states = sorted(served_states(plan_year) & POPULATION.keys())
    places = _places_by_state(set(states))
    weights = [POPULATION[s] for s in states]
    for index in range(count):
        home = rnd.choices(states, weights)[0]
        place = rnd.choice(places[home])
        licensed = {home} | set(rnd.sample(states, rnd.choice([0, 0, 0, 1, 1, 2, 3, 5])))
        languages = ["en"] + [code for code, share in LANGUAGE_SHARE.items() if rnd.random() < share]
        if "es" in languages and rnd.random() < 0.05:
            languages.remove("en")  # a few Spanish-only agents
        weekly, breaks = _schedule(rnd)
        flaw = rnd.random()
        yield Draft(
            npn=str(10_000_000 + seed * 1_000_000 + index),
            first_name=rnd.choice(FIRST),
            last_name=rnd.choice(LAST),
            place=place,
            licensed=sorted(licensed),
            languages=languages,
            weekly=weekly,
            breaks=breaks,
            contact=rnd.choice(list(ContactMethod)),
            suspended=flaw < 0.01,
            untrained=0.01 <= flaw < 0.03,
            display_option=4 if 0.03 <= flaw < 0.04 else rnd.choice([1, 1, 2, 3]),
            registered=flaw >= 0.06,
        )


@transaction.atomic
def build(count: int, seed: int, plan_year: int, now: datetime, batch: int = 5000) -> int:
    served = served_states(plan_year)
    made = 0
    rows = list(generate(count, seed, plan_year))
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        agents = Agent.objects.bulk_create(
            [
                Agent(
                    npn=row.npn,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=f"agent{row.npn}@agents.example",
                    phone=f"+1602555{int(row.npn) % 10_000:04d}",
                    preferred_contact=row.contact,
                    zip_code=row.place.zip_code,
                    city=row.place.city,
                    county=row.place.county,
                    zip_state=row.place.state,
                    lat=row.place.lat,
                    lon=row.place.lon,
                    time_zone=row.place.time_zone,
                    languages=row.languages,
                    display_option=row.display_option,
                    resident_state=row.place.state,
                    hod_training_plan_year=None if row.untrained else plan_year,
                    registered_at=now if row.registered else None,
                    cms_terms_accepted_at=now if row.registered else None,
                    hod_terms_accepted_at=now if row.registered else None,
                    suspended_at=now if row.suspended else None,
                    suspension_reason="Repeatedly missed referrals (demo)" if row.suspended else "",
                    checked_at=now,
                )
                for row in chunk
            ]
        )
        if not agents or agents[0].pk is None:  # backends that return no ids on bulk insert
            by_npn = dict(Agent.objects.filter(npn__in=[r.npn for r in chunk]).values_list("npn", "pk"))
            for agent in agents:
                agent.pk = by_npn[agent.npn]
        FfmRegistration.objects.bulk_create(
            FfmRegistration(npn=row.npn, plan_year=plan_year, individual_completed_on=date(plan_year - 1, 9, 1))
            for row in chunk
        )
        licenses = License.objects.bulk_create(
            License(
                npn=row.npn,
                state=state,
                number=f"{state}{row.npn}",
                resident=state == row.place.state,
                expires_on=date(plan_year + 1, 12, 31),
            )
            for row in chunk
            for state in row.licensed
        )
        if licenses and licenses[0].pk is None:
            keys = {(lic.npn, lic.state): lic for lic in licenses}
            for pk, npn, state in License.objects.filter(npn__in=[r.npn for r in chunk]).values_list(
                "pk", "npn", "state"
            ):
                keys[(npn, state)].pk = pk
        LineOfAuthority.objects.bulk_create(
            LineOfAuthority(license=lic, text="Accident and Health or Sickness", code="AHS", is_health=True)
            for lic in licenses
        )
        Schedule.objects.bulk_create(
            Schedule(agent=agent, weekly=row.weekly, breaks=row.breaks)
            for agent, row in zip(agents, chunk, strict=True)
        )
        coverage: list[Coverage] = []
        updates = []
        for agent, row in zip(agents, chunk, strict=True):
            evaluation = rules.evaluate(
                today=now.date(),
                plan_year=plan_year,
                served_states=served,
                registration=rules.RegistrationFacts(date(plan_year - 1, 9, 1), None, None),
                hod_training_plan_year=agent.hod_training_plan_year,
                display_option=agent.display_option,
                resident_state=agent.resident_state,
                languages=agent.languages,
                excluded_states=[],
                licenses=[rules.LicenseFacts(s, True, date(plan_year + 1, 12, 31), 1) for s in row.licensed],
            )
            if not agent.registration_complete:
                evaluation.reasons.append("registration_incomplete")
            if agent.suspended_at:
                evaluation.reasons.append("suspended")
            agent.eligible = evaluation.eligible
            agent.ineligibility = evaluation.reasons
            updates.append(agent)
            if evaluation.eligible:
                coverage.extend(
                    Coverage(
                        agent=agent,
                        plan_year=plan_year,
                        state=state,
                        language=language,
                        lat=row.place.lat,
                        lon=row.place.lon,
                        valid_until=until,
                    )
                    for state, until in evaluation.states.items()
                    for language in agent.languages
                )
        Agent.objects.bulk_update(updates, ["eligible", "ineligibility"])
        Coverage.objects.bulk_create(coverage, batch_size=5000)
        made += len(agents)
    return made


def demo_logins(now: datetime) -> list[DemoLogin]:
    """A few sign-ins with known passwords: an operator and three agents in Phoenix,
    Houston and Miami who are always available, so the demo routes to them."""
    from hod.api import token_digest

    user_model = get_user_model()
    logins = [DemoLogin("operator", DEMO_PASSWORD, "operator (admin)")]
    operator, created = user_model.objects.get_or_create(
        username="operator", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        operator.set_password(DEMO_PASSWORD)
        operator.save()
    plan_year = plan_year_at(now)
    for username, npn, zip_code, languages, first, phone in (
        ("ana", "9000000001", "85004", ["en", "es"], "Ana", "+16025550100"),
        ("hector", "9000000002", "77002", ["en", "es"], "Hector", "+17135550100"),
        ("linh", "9000000003", "33130", ["en", "vi", "es"], "Linh", "+13055550100"),
    ):
        place = lookup(zip_code)
        user, created = user_model.objects.get_or_create(username=username, defaults={"first_name": first})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        agent, _ = Agent.objects.update_or_create(
            npn=npn,
            defaults={
                "user": user, "first_name": first, "last_name": "Demo", "email": f"{username}@agents.example",
                "phone": phone, "zip_code": zip_code, "city": place.city, "county": place.county,
                "zip_state": place.state, "lat": place.lat, "lon": place.lon, "time_zone": place.time_zone,
                "languages": languages, "resident_state": place.state, "hod_training_plan_year": plan_year,
                "registered_at": now, "cms_terms_accepted_at": now, "hod_terms_accepted_at": now,
            },
        )  # fmt: skip
        FfmRegistration.objects.get_or_create(
            npn=agent.npn, plan_year=plan_year, defaults={"individual_completed_on": date(plan_year - 1, 9, 1)}
        )
        lic, _ = License.objects.get_or_create(
            npn=agent.npn,
            state=place.state,
            number=f"{place.state}{agent.npn}",
            defaults={"resident": True, "expires_on": date(plan_year + 1, 12, 31)},
        )
        LineOfAuthority.objects.get_or_create(
            license=lic, text="Accident and Health or Sickness", defaults={"code": "AHS", "is_health": True}
        )
        Schedule.objects.update_or_create(
            agent=agent, defaults={"weekly": [{"on": True, "start": "00:00", "end": "24:00"} for _ in range(7)]}
        )
        refresh_agent(agent, now)
        logins.append(DemoLogin(username, DEMO_PASSWORD, f"agent in {place.label}"))
    ana = Agent.objects.get(npn="9000000001")
    ApiToken.objects.get_or_create(digest=token_digest(DEMO_TOKEN), defaults={"user": ana.user, "label": "demo"})
    return logins


@dataclass(frozen=True)
class DemoRequest:
    """A consumer's request in the demo agents' history: who asked, when, and what the agent
    it reached did with it (None: still waiting for an answer)."""

    agent: str  # the demo agent's username, whose ZIP the consumer shares
    first_name: str
    last_name: str
    language: str
    status: str | None  # "accepted", "in_progress", "completed" or "not_good"; None: pending
    days_ago: int = 0  # with `local`: that day at that time, the agent's local time
    local: time | None = None
    minutes_ago: int = 0  # without `local`: this long before the seeding

    def at(self, now: datetime, time_zone: str) -> datetime:
        if self.local is None:
            return now - timedelta(minutes=self.minutes_ago)
        zone = ZoneInfo(time_zone)
        day = now.astimezone(zone).date() - timedelta(days=self.days_ago)
        return datetime.combine(day, self.local, tzinfo=zone)


# The consumers are fictional; their numbers are in the 555-01xx range kept for fiction,
# in their agent's area code.
HISTORY = (
    DemoRequest("ana", "Carmen", "Ruiz", "es", "completed", days_ago=2, local=time(10, 5)),
    DemoRequest("ana", "Jorge", "Salas", "es", "in_progress", days_ago=1, local=time(9, 40)),
    DemoRequest("ana", "Megan", "Price", "en", "not_good", days_ago=1, local=time(13, 15)),
    DemoRequest("ana", "Luis", "Ortega", "es", "accepted", days_ago=1, local=time(16, 50)),
    DemoRequest("ana", "Rosa", "Diaz", "es", None, minutes_ago=2),
    DemoRequest("hector", "Miguel", "Torres", "es", "completed", days_ago=1, local=time(11, 20)),
    DemoRequest("hector", "Daniel", "Brooks", "en", None, minutes_ago=4),
    DemoRequest("linh", "Thanh", "Nguyen", "vi", "in_progress", days_ago=2, local=time(15, 30)),
    DemoRequest("linh", "Mai", "Tran", "vi", None, minutes_ago=1),
)


def history(now: datetime) -> list[int]:
    """The demo agents' referrals, so a demo sign-in opens on a real list: accepted ones in
    each status, and one waiting for an answer with its 15 minutes running. Made through the
    real intake, routing and status paths at the times given, so events, explanations and
    messages are what production would hold. Does nothing when the demo agents already have
    referrals. Returns the new referrals' ids."""
    from intake import services as intake
    from referrals import services as referrals
    from referrals.models import ContactMethod as Method
    from referrals.models import ContactResult, Offer
    from routing import actions

    usernames = {item.agent for item in HISTORY}
    agents = Agent.objects.filter(user__username__in=usernames).select_related("user")
    demo = {a.user.username: a for a in agents if a.user is not None}
    if Offer.objects.filter(agent__in=demo.values()).exists():
        return []
    made = []
    timeline = sorted(
        ((item.at(now, demo[item.agent].time_zone), item) for item in HISTORY if item.agent in demo),
        key=lambda pair: pair[0],
    )
    with transaction.atomic():  # a running dispatcher sees the history whole, or none of it
        for number, (at, item) in enumerate(timeline):
            if plan_year_at(at) != plan_year_at(now):
                continue  # the demo agents are set up for this plan year only
            agent = demo[item.agent]
            data = {
                "first_name": item.first_name, "last_name": item.last_name,
                "phone": f"{agent.phone[2:5]}-555-01{number:02d}",
                "email": f"{item.first_name.lower()}.{item.last_name.lower()}@consumers.example",
                "zip_code": agent.zip_code, "language": item.language, "consent": True,
            }  # fmt: skip
            form = intake.request_form(data, at)
            if not form.is_valid():
                raise ValueError(f"demo request {number}: {form.errors.as_json()}")
            referral, _new = intake.submit(form, at)
            made.append(referral.pk)
            offer = Offer.objects.filter(referral=referral).order_by("pk").first()
            if item.status is None or offer is None:
                continue
            who = offer.agent  # the demo agent, unless another agent shares its ZIP and language
            actions.accept(offer.pk, who, at + timedelta(minutes=4))
            referral.refresh_from_db()
            later = at + timedelta(minutes=30)
            if item.status in ("in_progress", "completed", "not_good"):
                result = ContactResult.REACHED if item.status == "completed" else ContactResult.NO_ANSWER
                referrals.log_attempt(referral, who, later, method=Method.PHONE, result=result)
            if item.status == "completed":
                referrals.set_status(referral, who, "completed", later + timedelta(minutes=20), completion="qhp")
            elif item.status == "not_good":
                referrals.set_status(referral, who, "not_good", later + timedelta(minutes=5), reason="has_agent")
    return made
