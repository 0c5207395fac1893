"""A length of time as people say it, for agents and operators alike."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _


def spoken(value: timedelta | None) -> str:
    """ "45 s", "12.5 min", "71 h 05 min", "5 d 4 h"; "—" for none."""
    if value is None:
        return "—"
    seconds = max(value.total_seconds(), 0)
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)s min") % {"n": f"{seconds / 60:.1f}".removesuffix(".0")}
    hours, minutes = divmod(int(seconds) // 60, 60)
    if hours < 96:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
