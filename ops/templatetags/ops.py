from __future__ import annotations

from datetime import timedelta

from django import template

from lib.durations import spoken
from lib.languages import language_name

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A wait as people say it: "45 s", "12.5 min", "71 h 05 min", "5 d 4 h"."""
    return spoken(value)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


@register.filter
def language(code: str) -> str:
    return language_name(code)
