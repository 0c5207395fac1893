from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MarketplaceModel(models.TextChoices):
    FFM = "FFM", _("Federally-facilitated Marketplace")
    SBM_FP = "SBM-FP", _("State-based Marketplace on the Federal Platform")


class ServedState(models.Model):
    """A state that uses HealthCare.gov in a plan year (R-ELIG-2): data, not code."""

    plan_year = models.PositiveSmallIntegerField(verbose_name=_("plan year"))
    state = models.CharField(max_length=2, verbose_name=_("state"))
    model = models.CharField(max_length=6, choices=MarketplaceModel.choices, verbose_name=_("marketplace model"))

    class Meta:
        verbose_name = _("served state")
        verbose_name_plural = _("served states")
        constraints = [models.UniqueConstraint(fields=["plan_year", "state"], name="served_state_once")]
        ordering = ["plan_year", "state"]

    def __str__(self) -> str:
        return f"{self.plan_year} {self.state} ({self.model})"


class FfmRegistration(models.Model):
    """One NPN's row of the FFM Registration Completion List for a plan year."""

    npn = models.CharField(max_length=10, verbose_name=_("NPN"))
    plan_year = models.PositiveSmallIntegerField(verbose_name=_("plan year"))
    individual_completed_on = models.DateField(
        null=True, blank=True, verbose_name=_("individual registration completed on")
    )
    individual_ended_on = models.DateField(null=True, blank=True, verbose_name=_("individual registration ended on"))

    class Meta:
        verbose_name = _("FFM registration")
        verbose_name_plural = _("FFM registrations")
        constraints = [models.UniqueConstraint(fields=["npn", "plan_year"], name="ffm_registration_once")]

    def __str__(self) -> str:
        return f"{self.npn} {self.plan_year}"


class Termination(models.Model):
    """One NPN's row of the FFM Termination List: terminated, suspended or reinstated."""

    npn = models.CharField(max_length=10, verbose_name=_("NPN"))
    plan_year = models.PositiveSmallIntegerField(verbose_name=_("plan year"))
    status = models.CharField(max_length=40, verbose_name=_("registration status"))
    marketplaces = models.CharField(max_length=10, verbose_name=_("marketplaces"))  # BOTH, INDIVIDUAL or SHOP
    registered_on = models.DateField(null=True, blank=True, verbose_name=_("registered on"))
    terminated_on = models.DateField(null=True, blank=True, verbose_name=_("terminated on"))

    class Meta:
        verbose_name = _("FFM termination")
        verbose_name_plural = _("FFM terminations")
        constraints = [models.UniqueConstraint(fields=["npn", "plan_year"], name="termination_once")]

    def __str__(self) -> str:
        return f"{self.npn} {self.plan_year} {self.status}"

    @property
    def bars_individual(self) -> bool:
        """Reinstated (a status starting with R) or SHOP-only rows do not bar Individual."""
        return not self.status.upper().startswith("R") and self.marketplaces.upper() != "SHOP"


class License(models.Model):
    """A state producer license (NIPR PDB), keyed by NPN so it may arrive before the agent."""

    npn = models.CharField(max_length=10, db_index=True, verbose_name=_("NPN"))
    state = models.CharField(max_length=2, verbose_name=_("state"))
    number = models.CharField(max_length=40, blank=True, verbose_name=_("license number"))
    resident = models.BooleanField(default=False, verbose_name=_("resident license"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    expires_on = models.DateField(null=True, blank=True, verbose_name=_("expires on"))

    class Meta:
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        constraints = [models.UniqueConstraint(fields=["npn", "state", "number"], name="license_once")]

    def __str__(self) -> str:
        return f"{self.npn} {self.state} {self.number}"


class LineOfAuthority(models.Model):
    """One line of authority of a license; the official text is kept beside its class."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="lines", verbose_name=_("license"))
    text = models.CharField(max_length=200, verbose_name=_("text"))
    code = models.CharField(max_length=20, blank=True, verbose_name=_("code"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    is_health = models.BooleanField(default=False, verbose_name=_("health line"))

    def __str__(self) -> str:
        return self.text


class Coverage(models.Model):
    """Where and in which language an agent may be routed: the result of the eligibility
    check, one row per (state, language), rebuilt by eligibility.services.refresh_agent.

    Routing reads only this table to find candidates, so one indexed lookup replaces the
    joins over registrations, licenses and preferences on the hot path.
    """

    agent = models.ForeignKey(  # indexed by coverage_once
        "agents.Agent", on_delete=models.CASCADE, related_name="coverage", db_index=False, verbose_name=_("agent")
    )
    plan_year = models.PositiveSmallIntegerField(verbose_name=_("plan year"))
    state = models.CharField(max_length=2, verbose_name=_("state"))
    language = models.CharField(max_length=8, verbose_name=_("language"))
    # Copied from the agent's ZIP so that routing orders by distance without a join.
    lat = models.FloatField(verbose_name=_("latitude"))
    lon = models.FloatField(verbose_name=_("longitude"))
    # The last day this row holds: the earliest of license expiry and registration end.
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    # Copied from the agent at every offer: the tie-break is then part of the index order.
    last_offered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last offered at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "plan_year", "state", "language"], name="coverage_once")
        ]
        # Used by routing.candidates: every routing decision scans a latitude band of one
        # (plan year, state, language); on PostgreSQL the scan never touches the table.
        indexes = [
            models.Index(
                fields=["plan_year", "state", "language", "lat"],
                include=["lon", "agent_id", "valid_until", "last_offered_at"],
                name="coverage_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.plan_year} {self.state} {self.language}"


class ImportKind(models.TextChoices):
    FFM = "ffm", _("FFM Registration Completion List")
    TERMINATIONS = "terminations", _("FFM Termination List")
    LICENSES = "licenses", _("State licenses (NIPR PDB XML or flat CSV)")
    MLMS = "mlms", _("MLMS profile export")


class ImportRun(models.Model):
    """One load of an eligibility file, from the command line or the admin, and what it did."""

    kind = models.CharField(_("kind of file"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    by = models.CharField(_("by"), max_length=150, blank=True)
    applied = models.BooleanField(_("applied"), default=False)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rows refused"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("eligibility import")
        verbose_name_plural = _("eligibility imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"
