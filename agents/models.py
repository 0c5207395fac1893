from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from geo.zips import Place


class ContactMethod(models.TextChoices):
    """The four preferred contact methods of R-REG-3, in the order the form shows them."""

    EMAIL_TEXT_APP = "email_text_app", _("Email, Text & App Notification")
    EMAIL_TEXT = "email_text", _("Email & Text")
    EMAIL_APP = "email_app", _("Email & App Notification")
    EMAIL_ONLY = "email_only", _("Email Only")

    @classmethod
    def channels(cls, method: str) -> list[str]:
        """Delivery channels for a method; email is always one of them (R-NOTIFY-1)."""
        return {
            cls.EMAIL_TEXT_APP: ["email", "sms", "push"],
            cls.EMAIL_TEXT: ["email", "sms"],
            cls.EMAIL_APP: ["email", "push"],
            cls.EMAIL_ONLY: ["email"],
        }[cls(method)]


class DisplayOption(models.IntegerChoices):
    """MLMS display option (R-ELIG-3)."""

    ALL_STATES = 1, _("All contact data, all licensed states")
    ALL_BUT_ADDRESS = 2, _("All but street address, all licensed states")
    RESIDENT_STATE_ONLY = 3, _("All contact data, resident state only")
    NO_DISPLAY = 4, _("No display (cannot take part)")


SUSPENDED_BY_POLICY = "policy"


class TimeZoneSource(models.TextChoices):
    ZIP = "zip", _("ZIP code")
    BROWSER = "browser", _("browser")


class Agent(models.Model):
    """An agent or broker, identified by NPN. Name, email and languages come from MLMS."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
        verbose_name=_("user"),
    )
    npn = models.CharField(_("NPN"), max_length=10, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    preferred_contact = models.CharField(
        _("preferred contact method"),
        max_length=20,
        choices=ContactMethod.choices,
        default=ContactMethod.EMAIL_TEXT_APP,
    )
    # The agent's ZIP and what it tells: where they are (distance) and their time zone.
    zip_code = models.CharField(_("ZIP code"), max_length=5, blank=True)
    city = models.CharField(max_length=100, blank=True, verbose_name=_("city"))
    county = models.CharField(max_length=100, blank=True, verbose_name=_("county"))
    zip_state = models.CharField(max_length=2, blank=True, verbose_name=_("ZIP code's state"))
    lat = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    lon = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    # R-AVAIL-1: the browser's time zone when the agent's browser told us one, else the ZIP's.
    time_zone_source = models.CharField(
        _("time zone detected from"), max_length=10, choices=TimeZoneSource.choices, default=TimeZoneSource.ZIP
    )
    ui_language = models.CharField(
        _("language of pages and messages"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    languages = models.JSONField(_("languages"), default=list, help_text=_("ISO 639-1 codes"))
    display_option = models.PositiveSmallIntegerField(
        _("MLMS display option"), choices=DisplayOption.choices, default=DisplayOption.ALL_STATES
    )
    resident_state = models.CharField(_("resident state"), max_length=2, blank=True)
    hod_training_plan_year = models.PositiveSmallIntegerField(
        _("Help On Demand training plan year"), null=True, blank=True
    )
    # States the agent deselected (R-ELIG-4): preferences default to every licensed state.
    excluded_states = models.JSONField(_("deselected states"), default=list, blank=True)

    registered_at = models.DateTimeField(_("sign-up completed"), null=True, blank=True)
    cms_terms_accepted_at = models.DateTimeField(_("CMS terms accepted"), null=True, blank=True)
    hod_terms_accepted_at = models.DateTimeField(_("HOD terms accepted"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspension_reason = models.CharField(_("suspension reason"), max_length=500, blank=True)
    # Who suspended the agent: an operator's username, or SUSPENDED_BY_POLICY (R-ELIG-7).
    suspended_by = models.CharField(_("suspended by"), max_length=150, blank=True)
    # Misses before this instant no longer count towards the automatic policy: an agent an
    # operator reinstated starts afresh.
    reinstated_at = models.DateTimeField(_("reinstated"), null=True, blank=True)

    # Result of the last eligibility check (eligibility.services.refresh_agent).
    eligible = models.BooleanField(_("eligible"), default=False)
    ineligibility = models.JSONField(_("reasons not eligible"), default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("eligibility checked at"))

    # Tie-break of R-ROUTE-3: who has waited longest since their last offer.
    last_offered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last offered at"))
    # R-MISS-4: set when the agent lets an offer expire; routing skips them until they say
    # they are back (portal "Resume referrals", or switching Today's Availability on).
    paused_at = models.DateTimeField(_("paused after a missed referral"), null=True, blank=True)
    # R-NOTIFY-3: channels whose address failed for good ("sms", "email"), left out until the
    # agent saves their Profile again; and what went wrong, as shown in the portal.
    failed_channels = models.CharField(max_length=40, blank=True, verbose_name=_("failed channels"))
    delivery_problem = models.CharField(max_length=300, blank=True, verbose_name=_("delivery problem"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.npn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def registration_complete(self) -> bool:
        """Signed up and accepted both terms (R-REG-6): only then may referrals be routed."""
        return bool(self.registered_at and self.cms_terms_accepted_at and self.hod_terms_accepted_at)

    @property
    def channels(self) -> list[str]:
        failed = set(self.failed_channels.split(","))
        return [channel for channel in ContactMethod.channels(self.preferred_contact) if channel not in failed]

    def move_to(self, place: Place) -> None:
        """The agent's ZIP and what it tells: location for distances, and time zone (unless
        their browser told us theirs, which wins: R-AVAIL-1)."""
        self.zip_code, self.city, self.county, self.zip_state = place.zip_code, place.city, place.county, place.state
        self.lat, self.lon = place.lat, place.lon
        if self.time_zone_source != TimeZoneSource.BROWSER:
            self.time_zone = place.time_zone


class MissPolicy(models.Model):
    """R-ELIG-7: an agent who regularly lets offers expire is suspended automatically, by a
    rule the operators tune in the admin. One row; `current()` reads it."""

    misses = models.PositiveSmallIntegerField(
        _("misses that suspend an agent"),
        default=5,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "Each time an agent lets offers lapse and is paused counts once, however many offers lapsed "
            "together. 0 turns automatic suspension off."
        ),
    )
    days = models.PositiveSmallIntegerField(
        _("counted over the last (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("missed-referral policy")
        verbose_name_plural = _("missed-referral policy")

    def __str__(self) -> str:
        if not self.misses:
            return str(_("Automatic suspension is off"))
        return str(
            _("Suspend an agent after %(misses)s misses in %(days)s days") % {"misses": self.misses, "days": self.days}
        )

    @classmethod
    def current(cls) -> MissPolicy:
        return cls.objects.get_or_create(pk=1)[0]


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("token digest"))
    label = models.CharField(max_length=100, blank=True, verbose_name=_("label"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    def __str__(self) -> str:
        return f"{self.user} · {self.label or self.digest[:8]}"


class Invitation(models.Model):
    """A single-use sign-up link sent to a newly eligible agent (R-REG-1).

    Only the SHA-256 digest of the link's token is stored: the token itself travels in the
    email alone.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("agent"))
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("token digest"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.agent} · {self.created_at:%Y-%m-%d %H:%M}"
