"""What an agent does with referrals they accepted, and how they are shown to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agents.models import Agent
from notifications import outbox
from referrals.events import actor_for_agent, record
from referrals.models import (
    Completion,
    ContactAttempt,
    ContactMethod,
    ContactResult,
    NotGoodReason,
    Offer,
    OfferKind,
    Outcome,
    Referral,
    Status,
)

# How an offer reads in the agent's list (R-PORTAL-2, R-MISS-3).
LIST_STATUSES = {
    "pending": _("Pending"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "in_progress": _("In Progress"),
    "not_good": _("Not a Good Referral"),
    "completed": _("Referral Completed"),
    "missed": _("Missed"),
    "taken": _("Taken by another agent"),
    "withdrawn": _("Withdrawn"),
}
SETTABLE = (Status.IN_PROGRESS, Status.NOT_GOOD, Status.COMPLETED)
# R-STATUS-2: unsuccessful attempts after which "Not a Good Referral" is suggested, and the
# contact reminders (which one, how long after accepting), latest first so that an agent
# 40 minutes late gets the 30-minute reminder, not both.
ATTEMPTS_BEFORE_NOT_GOOD = 3
REMINDERS = ((2, timedelta(minutes=30)), (1, timedelta(minutes=15)))


class StatusError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def list_status(offer: Offer) -> str:
    if offer.outcome == Outcome.ACCEPTED:
        return str(offer.referral.status)
    return {
        Outcome.PENDING: "pending",
        Outcome.REJECTED: "rejected",
        Outcome.EXPIRED: "missed",
        Outcome.TAKEN: "taken",
        Outcome.WITHDRAWN: "withdrawn",
    }[Outcome(offer.outcome)]


def shows_consumer(offer: Offer, agent: Agent) -> bool:
    """Personal data only for the agent who accepted (R-SEC-1), on their winning offer."""
    return offer.outcome == Outcome.ACCEPTED and offer.referral.accepted_by_id == agent.pk


@dataclass
class Search:
    status: str = ""
    first_name: str = ""
    last_name: str = ""
    date_from: date | None = None
    date_to: date | None = None
    time_zone: str = "America/New_York"


def waiting_for_answer(agent: Agent, now: datetime) -> int:
    """Referrals offered to the agent whose 15 minutes still run. Switching Today's
    Availability off or going out of office stops new referrals, not these: unanswered,
    each becomes a missed referral (R-MISS-1). Safety-net notices never do, so they are not
    counted."""
    return Offer.objects.filter(agent=agent, kind=OfferKind.DIRECT, outcome=Outcome.PENDING, expires_at__gt=now).count()


def offers_for(agent: Agent, search: Search) -> QuerySet[Offer]:
    offers = Offer.objects.filter(agent=agent).select_related("referral").order_by("-offered_at", "-pk")
    zone = ZoneInfo(search.time_zone)
    if search.date_from:
        offers = offers.filter(offered_at__gte=datetime.combine(search.date_from, time(0), tzinfo=zone))
    if search.date_to:
        end = datetime.combine(search.date_to + timedelta(days=1), time(0), tzinfo=zone)
        offers = offers.filter(offered_at__lt=end)
    if search.first_name or search.last_name:
        # Names can only match referrals this agent accepted: searching never probes others.
        offers = offers.filter(outcome=Outcome.ACCEPTED, referral__accepted_by=agent)
        if search.first_name:
            offers = offers.filter(referral__first_name__icontains=search.first_name)
        if search.last_name:
            offers = offers.filter(referral__last_name__icontains=search.last_name)
    status = search.status
    if status == "pending":
        offers = offers.filter(outcome=Outcome.PENDING)
    elif status == "rejected":
        offers = offers.filter(outcome=Outcome.REJECTED)
    elif status == "missed":
        offers = offers.filter(outcome=Outcome.EXPIRED)
    elif status in {"taken", "withdrawn"}:
        offers = offers.filter(outcome=status)
    elif status in {s.value for s in (Status.ACCEPTED, *SETTABLE)}:
        offers = offers.filter(Q(outcome=Outcome.ACCEPTED) & Q(referral__status=status))
    return offers


@transaction.atomic
def set_status(
    referral: Referral, agent: Agent, status: str, now: datetime, *, completion: str = "", reason: str = ""
) -> Referral:
    """Move an accepted referral on (R-STATUS). Only the accepting agent may."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.accepted_by_id != agent.pk:
        raise StatusError("referral", str(_("Only the agent who accepted this referral can change its status.")))
    if status not in {s.value for s in SETTABLE}:
        raise StatusError("status", str(_("Choose In Progress, Not a Good Referral or Referral Completed.")))
    if status == Status.COMPLETED and completion not in Completion.values:
        raise StatusError("completion", str(_("Choose how the referral was completed.")))
    if status == Status.NOT_GOOD and reason not in NotGoodReason.values:
        raise StatusError("reason", str(_("Choose why this is not a good referral.")))
    locked.status = status
    locked.completion = completion if status == Status.COMPLETED else ""
    locked.not_good_reason = reason if status == Status.NOT_GOOD else ""
    locked.save(update_fields=["status", "completion", "not_good_reason"])
    record(
        "status_changed",
        at=now,
        actor=actor_for_agent(agent.pk),
        referral=locked,
        agent_id=agent.pk,
        status=status,
        completion=locked.completion,
        reason=locked.not_good_reason,
    )
    return locked


@transaction.atomic
def log_attempt(referral: Referral, agent: Agent, now: datetime, *, method: str, result: str) -> ContactAttempt:
    """Record a try to reach the consumer (R-STATUS-2). The first one moves an accepted
    referral to In Progress: contact attempted, waiting."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.accepted_by_id != agent.pk:
        raise StatusError("referral", str(_("Only the agent who accepted this referral can log contact attempts.")))
    if locked.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
        raise StatusError("referral", str(_("This referral is closed: its status is already set.")))
    if locked.erased_at is not None:
        # Nothing left to reach the consumer by (HOD_CONSUMER_DATA_DAYS): a logged attempt would be untrue.
        raise StatusError(
            "referral", str(_("The consumer's contact data was erased: there is no one left to contact."))
        )
    if method not in ContactMethod.values:
        raise StatusError("method", str(_("Choose how you tried to reach the consumer.")))
    if result not in ContactResult.values:
        raise StatusError("result", str(_("Choose what came of the attempt.")))
    attempt = ContactAttempt.objects.create(referral=locked, agent=agent, at=now, method=method, result=result)
    if locked.status == Status.ACCEPTED:
        locked.status = Status.IN_PROGRESS
        locked.save(update_fields=["status"])
    record(
        "contact_attempt", at=now, actor=actor_for_agent(agent.pk), referral=locked, agent_id=agent.pk,
        method=method, result=result,
    )  # fmt: skip
    return attempt


def suggests_not_good(attempts: list[ContactAttempt]) -> bool:
    """Three tries and the consumer never reached: "Not a Good Referral" is the likely status."""
    unreached = [a for a in attempts if a.result != ContactResult.REACHED]
    return len(unreached) >= ATTEMPTS_BEFORE_NOT_GOOD and len(unreached) == len(attempts)


def send_contact_reminders(now: datetime, *, limit: int = 100) -> int:
    """Dispatcher unit: remind agents who accepted 15 and 30 minutes ago and have recorded
    neither a status nor a contact attempt (R-STATUS-2). Each reminder is claimed with a
    conditional update, so two dispatchers never send it twice. Returns how many were sent."""
    sent = 0
    for number, after in REMINDERS:
        won = Offer.objects.filter(referral=OuterRef("pk"), outcome=Outcome.ACCEPTED).values("pk")[:1]
        due = (
            Referral.objects.filter(status=Status.ACCEPTED, reminders_sent__lt=number, accepted_at__lte=now - after)
            .select_related("accepted_by")
            .annotate(offer_id=Subquery(won))
            .order_by("accepted_at")[:limit]
        )
        for referral in due:
            with transaction.atomic():
                claimed = Referral.objects.filter(pk=referral.pk, status=Status.ACCEPTED, reminders_sent__lt=number)
                if claimed.update(reminders_sent=number) != 1:
                    continue
                data = {
                    "location": referral.location_label,
                    "minutes": int(after.total_seconds() // 60),
                    "path": reverse("offer_page", args=[referral.offer_id]),  # type: ignore[attr-defined]
                }
                assert referral.accepted_by is not None  # noqa: S101 - accepted referrals have their agent
                outbox.agent_notices(referral.accepted_by, "contact_reminder", data, now)
                record("reminded", at=now, referral=referral, agent_id=referral.accepted_by_id, minutes=data["minutes"])
                sent += 1
    return sent
