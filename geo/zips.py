"""ZIP code lookup and great-circle distance, from the data the `zipcodes` package ships."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

import zipcodes
from django.utils.translation import gettext_lazy as _

EARTH_RADIUS_MILES = 3958.8
# Military ZIPs (APO/FPO) have no place on the map and no state that can be served.
MILITARY_STATES = frozenset({"AA", "AE", "AP"})


@dataclass(frozen=True, slots=True)
class Place:
    zip_code: str
    city: str
    county: str
    state: str
    lat: float
    lon: float
    time_zone: str

    @property
    def label(self) -> str:
        """ "Phoenix, Maricopa, AZ" — the only location an agent sees before accepting."""
        parts = [self.city, self.county, self.state]
        return ", ".join(part for part in parts if part)


class ZipError(ValueError):
    """A ZIP code that cannot be used to route a consumer, with the reason."""


def _county_name(raw: str) -> str:
    for suffix in (" County", " Parish", " Borough", " Census Area", " Municipality"):
        if raw.endswith(suffix):
            return raw[: -len(suffix)]
    return raw


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, object]]:
    return {row["zip_code"]: row for row in zipcodes.list_all()}


def lookup(zip_code: str) -> Place:
    """Return the place of a five-digit ZIP code or raise ZipError saying why not."""
    if len(zip_code) != 5 or not zip_code.isdigit():
        raise ZipError(_("Enter a five-digit ZIP code."))
    row = _index().get(zip_code)
    if row is None:
        raise ZipError(_("This ZIP code does not exist."))
    state = str(row["state"])
    if state in MILITARY_STATES or row["zip_code_type"] == "MILITARY":
        raise ZipError(_("This is a military ZIP code; enter the ZIP code where you live."))
    try:
        lat, lon = float(str(row["lat"])), float(str(row["long"]))
    except ValueError:
        raise ZipError(_("This ZIP code has no known location.")) from None
    if lat == 0 and lon == 0:
        raise ZipError(_("This ZIP code has no known location."))
    return Place(
        zip_code=zip_code,
        city=str(row["city"]),
        county=_county_name(str(row["county"])),
        state=state,
        lat=lat,
        lon=lon,
        time_zone=_time_zone(str(row["timezone"]), state),
    )


def _time_zone(name: str, state: str) -> str:
    """The ZIP's IANA time zone; where the data holds none or an unknown name (99634,
    Napakiak AK, reads "Napakiak"), the zone most of the state's ZIPs are in."""
    if name in _known_zones():
        return name
    return _state_zones().get(state, "America/New_York")


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _state_zones() -> dict[str, str]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _index().values():
        if row["timezone"] in _known_zones():
            counts[str(row["state"])][str(row["timezone"])] += 1
    return {state: zones.most_common(1)[0][0] for state, zones in counts.items()}


def all_places() -> list[Place]:
    """Every routable ZIP (demo data and benchmarks draw from it)."""
    places = []
    for code in _index():
        try:
            places.append(lookup(code))
        except ZipError:
            continue
    return places


@lru_cache(maxsize=1)
def us_time_zones() -> frozenset[str]:
    """The time zones U.S. ZIP codes are in: the only ones an agent's browser may set. (A ZIP
    whose zone is unknown takes its state's, which is among these.)"""
    return frozenset(str(row["timezone"]) for row in _index().values() if row["timezone"] in _known_zones())


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))
