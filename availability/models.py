from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def default_weekly() -> list[dict[str, object]]:
    """Monday–Friday 8:00 a.m.–5:00 p.m. in the agent's time zone (R-AVAIL-1)."""
    return [{"on": day < 5, "start": "08:00", "end": "17:00"} for day in range(7)]


class Schedule(models.Model):
    """An agent's standard hours, breaks and today's override (R-AVAIL-1, R-AVAIL-2).

    `weekly` holds seven entries, Monday first: {"on", "start", "end"} in local "HH:MM"
    ("24:00" ends at midnight). `breaks` holds {"days": [0..6], "start", "end"}.
    """

    agent = models.OneToOneField(
        "agents.Agent", on_delete=models.CASCADE, related_name="schedule", verbose_name=_("agent")
    )
    weekly = models.JSONField(_("standard hours"), default=default_weekly)
    breaks = models.JSONField(_("breaks"), default=list, blank=True)
    # Today's Availability: on or off for one local date; when on, referrals stop at `override_until`.
    override_date = models.DateField(null=True, blank=True, verbose_name=_("Today's Availability date"))
    override_on = models.BooleanField(null=True, blank=True, verbose_name=_("Today's Availability on"))
    override_until = models.DateTimeField(null=True, blank=True, verbose_name=_("Today's Availability until"))

    def __str__(self) -> str:
        return f"schedule of {self.agent_id}"


class OutOfOffice(models.Model):
    """A period with no referrals (R-AVAIL-3); no `ends_at` means until switched off."""

    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.CASCADE, related_name="out_of_office", verbose_name=_("agent")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        indexes = [models.Index(fields=["agent", "starts_at"], name="ooo_by_agent")]

    def __str__(self) -> str:
        return f"out of office from {self.starts_at:%Y-%m-%d %H:%M} ({self.agent_id})"
