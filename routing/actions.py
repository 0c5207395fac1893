"""Routing workflows: offer, accept, reject, expire, safety net, close (R-ROUTE-4…8), and the
automatic suspension of agents who keep missing offers (R-ELIG-7).

Concurrency rules (docs/concurrency.md): every change to a referral or its offers happens
inside a transaction that first locks the referral row; offers are then changed with
conditional UPDATEs whose row count says who won. Nothing here touches the network: the
messages to send are written to the outbox in the same transaction.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from agents.models import SUSPENDED_BY_POLICY, Agent, MissPolicy
from availability import services as availability
from eligibility.models import Coverage
from eligibility.services import plan_year_at, refresh_agent
from lib.inserts import add, add_all
from lib.phones import display_phone
from notifications import outbox
from notifications.models import Message
from referrals.events import SYSTEM, actor_for_agent, event, record
from referrals.models import OPEN_STATUSES, Event, Offer, OfferKind, Outcome, Referral, Status
from routing import candidates
from routing.candidates import Candidate, Decision, next_candidate

logger = logging.getLogger(__name__)
# PostgreSQL's deadlock_detected, serialization_failure, lock_not_available: a lost race, not a bad row.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


class Result(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TAKEN = "taken"  # somebody else accepted first
    EXPIRED = "expired"  # the 15 minutes are over
    DECIDED = "decided"  # this offer was already accepted, rejected or withdrawn
    NOT_FOUND = "not_found"  # no such offer for this agent
    NOT_ELIGIBLE = "not_eligible"  # the agent is suspended or no longer eligible


def offer_window() -> timedelta:
    return timedelta(minutes=settings.HOD_OFFER_MINUTES)


def lock_referral(referral_id: int, *, skip_locked: bool = False) -> Referral | None:
    """Lock the referral row for this transaction (a no-op on SQLite, whose IMMEDIATE
    transactions already hold the database's write lock)."""
    rows = Referral.objects.select_for_update(
        skip_locked=skip_locked and connection.features.has_select_for_update_skip_locked
    )
    return rows.filter(pk=referral_id).first()


def route(
    referral: Referral,
    now: datetime,
    *,
    actor: str = SYSTEM,
    rank: int | None = None,
    events: Sequence[Event] = (),
    messages: Sequence[Message] = (),
) -> Offer | None:
    """Offer a locked, open referral to the next candidate, or escalate to the safety net.

    One `routed` event records the decision — who was examined, who was passed over and
    why, who got the offer — and, when there is one, the offer itself. `events` and
    `messages` are the caller's own rows of the same step (intake's `received` event and
    the consumer's acknowledgement), written with the decision's: one INSERT per table.
    """
    decision = next_candidate(referral, plan_year_at(now), now)
    if decision.chosen is None:
        add_all([*events, routed_event(referral, decision, None, now, actor=actor)])
        escalate_to_safety_net(referral, now)
        outbox.save(list(messages))
        return None
    rank = rank or Offer.objects.filter(referral=referral, kind=OfferKind.DIRECT).count() + 1
    offer, notices = _offer(referral, decision.chosen, rank, now)
    outbox.save([*notices, *messages], along=[*events, routed_event(referral, decision, offer, now, actor=actor)])
    return offer


def routed_event(
    referral: Referral, decision: Decision, offer: Offer | None, now: datetime, *, actor: str = SYSTEM
) -> Event:
    """The `routed` event of a decision (R-ROUTE-9), not yet written: who was examined, who
    was passed over and why, and the offer made, if any."""
    explanation: dict[str, Any] = {"examined": decision.examined, "passed_over": decision.passed_over}
    if offer is None or decision.chosen is None:
        return event("routed", now, actor=actor, referral=referral, chosen=None, miles=None, **explanation)
    return event(
        "routed",
        now,
        actor=actor,
        referral=referral,
        offer=offer,
        agent_id=offer.agent_id,
        chosen=offer.agent_id,
        miles=round(decision.chosen.distance, 1),
        rank=offer.rank,
        **explanation,
    )


LAST_OFFERED_SQL = "UPDATE {table} SET last_offered_at = %s WHERE {key} = %s"
# PostgreSQL marks the agent and their coverage rows in one round trip.
LAST_OFFERED_BOTH_SQL = (
    "WITH agent AS (UPDATE agents_agent SET last_offered_at = %s WHERE id = %s) "
    "UPDATE eligibility_coverage SET last_offered_at = %s WHERE agent_id = %s"
)
# … and with the offer's own INSERT, as its WITH clauses.
LAST_OFFERED_ALONG_SQL = (
    "agent AS (UPDATE agents_agent SET last_offered_at = %s WHERE id = %s), "
    "coverage AS (UPDATE eligibility_coverage SET last_offered_at = %s WHERE agent_id = %s)"
)


def _mark_offered(agent_id: int, now: datetime) -> None:
    """Record when the agent was last offered a referral, on the agent and on the coverage
    rows routing reads (R-ROUTE-3's tie-break)."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(LAST_OFFERED_BOTH_SQL, [at, agent_id, at, agent_id])
            return
        cursor.execute(LAST_OFFERED_SQL.format(table="agents_agent", key="id"), [at, agent_id])
        cursor.execute(LAST_OFFERED_SQL.format(table="eligibility_coverage", key="agent_id"), [at, agent_id])


def _new_offer(referral: Referral, candidate: Candidate, rank: int, now: datetime) -> Offer:
    """A direct offer of 15 minutes (R-ROUTE-4), not yet written."""
    return Offer(
        referral=referral,
        agent_id=candidate.agent_id,
        kind=OfferKind.DIRECT,
        offered_at=now,
        expires_at=now + offer_window(),
        outcome=Outcome.PENDING,
        rank=rank,
        distance_miles=round(candidate.distance, 2),
    )


def _offer(referral: Referral, candidate: Candidate, rank: int, now: datetime) -> tuple[Offer, list[Message]]:
    """Write the offer and mark the agent offered; returns the offer and its notices to the
    agent, not yet saved (the caller writes them with its other messages)."""
    offer = _new_offer(referral, candidate, rank, now)
    # Plain statements (lib.inserts): this runs for every consumer and every re-route.
    if connection.vendor == "postgresql":
        at = connection.ops.adapt_datetimefield_value(now)
        add(offer, along=(LAST_OFFERED_ALONG_SQL, [at, candidate.agent_id, at, candidate.agent_id]))
    else:
        add(offer)
        _mark_offered(candidate.agent_id, now)
    if referral.status != Status.OFFERED:
        referral.status = Status.OFFERED
        referral.save(update_fields=["status"])
    agent = Agent(
        pk=candidate.agent_id,
        email=candidate.email,
        phone=candidate.phone,
        preferred_contact=candidate.preferred_contact,
        failed_channels=candidate.failed_channels,
        ui_language=candidate.language,
    )
    return offer, outbox.offer_messages(offer, agent, referral, now)


def escalate_to_safety_net(referral: Referral, now: datetime) -> int:
    """No candidate left: email every registered agent licensed in the state (R-ROUTE-7)."""
    referral.status = Status.SAFETY_NET
    referral.safety_net_at = now
    referral.save(update_fields=["status", "safety_net_at"])
    sent = outbox.safety_net_fan_out(referral, plan_year_at(now), now)
    record("safety_net", at=now, referral=referral, recipients=sent)
    return sent


def _finish_accept(referral: Referral, offer: Offer, agent: Agent, now: datetime) -> None:
    Referral.objects.filter(pk=referral.pk).update(status=Status.ACCEPTED, accepted_by=agent, accepted_at=now)
    others = Offer.objects.filter(referral=referral, outcome=Outcome.PENDING).exclude(pk=offer.pk)
    others.update(outcome=Outcome.TAKEN, decided_at=now)
    outbox.cancel_for_referral(referral, keep_offer_id=offer.pk)
    outbox.consumer_notice(
        referral,
        "consumer_accepted",
        {
            "agent_name": f"{agent.first_name} {agent.last_name}",
            "agent_phone": display_phone(agent.phone),
            "agent_email": agent.email,
        },
        now,
    )
    record("accepted", at=now, actor=actor_for_agent(agent.pk), referral=referral, offer=offer, agent_id=agent.pk)


def _offer_and_locked_referral(offer_id: int, agent: Agent) -> tuple[Offer, Referral] | None:
    """The agent's own offer and its referral, locked; None when the offer is not theirs."""
    offer = Offer.objects.filter(pk=offer_id, agent=agent).first()
    if offer is None:
        return None
    referral = lock_referral(offer.referral_id)
    assert referral is not None  # noqa: S101 - the offer's foreign key guarantees it
    return offer, referral


@transaction.atomic
def accept(offer_id: int, agent: Agent, now: datetime) -> Result:
    """The agent takes the referral. Exactly one agent can ever win (R-ROUTE-7)."""
    found = _offer_and_locked_referral(offer_id, agent)
    if found is None:
        return Result.NOT_FOUND
    offer, referral = found
    if referral.status not in OPEN_STATUSES:
        return Result.TAKEN if referral.accepted_by_id not in (None, agent.pk) else Result.DECIDED
    if not agent.eligible:
        # Suspended or ineligible since the offer was made (a safety-net notice, say).
        return Result.NOT_ELIGIBLE
    pending = Offer.objects.filter(pk=offer.pk, outcome=Outcome.PENDING)
    if offer.kind == OfferKind.DIRECT:
        if offer.is_expired(now):
            _expire(referral, offer, now)
            return Result.EXPIRED
        pending = pending.filter(expires_at__gt=now)
    if pending.update(outcome=Outcome.ACCEPTED, decided_at=now) != 1:
        return Result.DECIDED
    _finish_accept(referral, offer, agent, now)
    return Result.ACCEPTED


@transaction.atomic
def reject(offer_id: int, agent: Agent, now: datetime) -> Result:
    """The agent passes; never penalized, and the consumer moves on at once (R-ROUTE-6)."""
    found = _offer_and_locked_referral(offer_id, agent)
    if found is None:
        return Result.NOT_FOUND
    offer, referral = found
    if offer.kind == OfferKind.DIRECT and offer.is_expired(now):
        _expire(referral, offer, now)
        return Result.EXPIRED
    if Offer.objects.filter(pk=offer.pk, outcome=Outcome.PENDING).update(outcome=Outcome.REJECTED, decided_at=now) != 1:
        return Result.DECIDED
    record("rejected", at=now, actor=actor_for_agent(agent.pk), referral=referral, offer=offer, agent_id=agent.pk)
    if offer.kind == OfferKind.DIRECT and referral.status == Status.OFFERED:
        route(referral, now, rank=offer.rank + 1)
    return Result.REJECTED


def _expire(referral: Referral, offer: Offer, now: datetime) -> bool:
    """Mark a due direct offer missed (R-MISS-1) and route the referral on."""
    updated = Offer.objects.filter(
        pk=offer.pk, outcome=Outcome.PENDING, kind=OfferKind.DIRECT, expires_at__lte=now
    ).update(outcome=Outcome.EXPIRED, decided_at=now)
    if updated != 1:
        return False
    # Its queued notices are dropped by the delivery loop, which sends nothing about an
    # offer that is over: no extra statement here, on the dispatcher's busiest path.
    record("missed", at=now, referral=referral, offer=offer, agent_id=offer.agent_id)
    policy = MissPolicy.current()
    suspend = repeat_missers(policy, [offer.agent_id], now)
    if availability.pause_after_miss(offer.agent_id, now, offer_id=offer.pk, tell=not suspend) and suspend:
        suspend_for_misses(offer.agent_id, suspend[offer.agent_id], policy, now)
    if referral.status == Status.OFFERED:
        route(referral, now, rank=offer.rank + 1)
    return True


def _lost_a_race(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in TRANSIENT_SQLSTATES


def expire_due_offers(
    now: datetime, *, limit: int | None = None, skip: frozenset[int] = frozenset(), failed: list[int] | None = None
) -> int:
    """Dispatcher unit: expire up to `limit` due offers, routing each referral on.

    1. Claim the referrals whose direct offer is due, oldest deadline first, in one query
       that locks them and skips rows another dispatcher holds (PostgreSQL: FOR UPDATE
       SKIP LOCKED), so several dispatchers split the work instead of queueing on it.
    2. Expire and re-route them all at once (`_expire_batch`): a few statements for the
       whole claim, however large, where one referral at a time took a dozen each.
    3. Commit: an agent accepting one of these waits for the batch, a fraction of a second.
    A lost lock race leaves the claim for the next round. Any other failure is retried one
    referral at a time, each inside a savepoint, so one bad row cannot hold up the others;
    its id is appended to `failed` so the dispatcher can back off from it.
    Returns how many offers were expired; `limit` of them means there may be more.
    """
    limit = limit or settings.HOD_EXPIRY_BATCH
    try:
        with transaction.atomic():
            claimed = list(_claim_due(now, skip)[:limit])
            return _expire_batch(claimed, now) if claimed else 0
    except Exception as error:
        if isinstance(error, OperationalError) and _lost_a_race(error):
            # Two dispatchers (or a dispatcher and an agent's click) locked the same rows in
            # opposite orders: nothing is wrong with these referrals; the next round retries.
            logger.warning("expiring a batch of offers lost a lock race (%s); retrying", error)
            return 0
        logger.exception("expiring a batch of offers failed; trying them one at a time")
    return _expire_each(now, limit=limit, skip=skip, failed=failed)


def _claim_due(now: datetime, skip: frozenset[int]) -> QuerySet[Referral]:
    claimed = (
        Referral.objects.filter(
            status=Status.OFFERED,
            offers__outcome=Outcome.PENDING,
            offers__kind=OfferKind.DIRECT,
            offers__expires_at__lte=now,
        )
        .exclude(pk__in=skip)
        .order_by("offers__expires_at", "pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        claimed = claimed.select_for_update(skip_locked=True, of=("self",))
    return claimed


EXPIRE_SQL = """
UPDATE referrals_offer SET outcome = 'expired', decided_at = %s
WHERE referral_id IN ({ids}) AND outcome = 'pending' AND kind = 'direct' AND expires_at <= %s
RETURNING id, referral_id, agent_id, rank
"""


def _expire_batch(referrals: list[Referral], now: datetime) -> int:
    """Expire the due offer of each claimed (locked) referral and route each one on, with
    the same outcome as `_expire` one after another, in a handful of statements:

    1. one UPDATE … RETURNING marks the offers missed (R-MISS-1);
    2. the candidates of every referral read together, a page of each per query, then the
       decisions in memory, in claim order: agents who missed in this batch count as paused (R-MISS-4),
       and an agent offered one referral goes behind equally near agents for the next ones
       (R-ROUTE-3's ties), exactly as if each offer had been written before the next choice;
    3. the agents concerned locked in id order (two dispatchers never wait on each other in
       a cycle), then one statement per table: pauses, waits restarted, offers, events,
       messages. Referrals with no candidate left go to the safety net as before.
    """
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(referrals))
        cursor.execute(EXPIRE_SQL.format(ids=marks), [at, *(r.pk for r in referrals), at])
        expired = {
            referral_id: Offer(
                pk=offer_id,
                referral_id=referral_id,
                agent_id=agent_id,
                rank=rank,
                kind=OfferKind.DIRECT,
                outcome=Outcome.EXPIRED,
                decided_at=now,
            )  # fmt: skip
            for offer_id, referral_id, agent_id, rank in cursor.fetchall()
        }
    due = [referral for referral in referrals if referral.pk in expired]
    missed = {offer.agent_id for offer in expired.values()}
    plan_year = plan_year_at(now)
    streams = [candidates.Stream(referral, plan_year, now, paused_now=missed) for referral in due]
    candidates.read_ahead(streams)
    decisions: dict[int, candidates.Decision] = {}
    offered_now: set[int] = set()
    for referral, stream in zip(due, streams, strict=True):
        decision = candidates.decide(stream, offered_now=offered_now)
        decisions[referral.pk] = decision
        if decision.chosen is not None:
            offered_now.add(decision.chosen.agent_id)

    agents = {
        agent.pk: agent
        for agent in Agent.objects.filter(pk__in=sorted(missed | offered_now))
        .order_by("pk")
        .select_for_update(no_key=True)
        .only("email", "phone", "preferred_contact", "failed_channels", "ui_language", "paused_at")
    }
    paused = sorted(agent_id for agent_id in missed if agents[agent_id].paused_at is None)
    Agent.objects.filter(pk__in=paused).update(paused_at=now)
    to_tell = set(paused)  # once each, however many offers they missed
    policy = MissPolicy.current()
    to_suspend = repeat_missers(policy, paused, now)  # told of that instead
    Agent.objects.filter(pk__in=sorted(offered_now)).update(last_offered_at=now)
    Coverage.objects.filter(agent_id__in=sorted(offered_now)).update(last_offered_at=now)

    offers = add_all(
        [
            _new_offer(referral, chosen, expired[referral.pk].rank + 1, now)
            for referral in due
            if (chosen := decisions[referral.pk].chosen) is not None
        ]
    )
    new_offers = {offer.referral_id: offer for offer in offers}
    messages = []
    events = []
    portal = reverse("agent_home")  # for the pause notices
    for referral in due:
        gone, decision, offer = expired[referral.pk], decisions[referral.pk], new_offers.get(referral.pk)
        events.append(event("missed", now, referral=referral, offer=gone, agent_id=gone.agent_id))
        if gone.agent_id in to_tell:
            to_tell.discard(gone.agent_id)
            paused_event, notices = availability.paused_announcements(
                agents[gone.agent_id], now, offer_id=gone.pk, path=portal
            )
            events.append(paused_event)
            if gone.agent_id not in to_suspend:
                messages += notices
        events.append(routed_event(referral, decision, offer, now))
        if offer is not None:
            messages += outbox.offer_messages(offer, agents[offer.agent_id], referral, now)
    add_all(events)
    outbox.save(messages)
    for referral in due:
        if referral.pk not in new_offers:
            escalate_to_safety_net(referral, now)
    for agent_id, misses in sorted(to_suspend.items()):  # rare: one at a time, after the batch's own writes
        suspend_for_misses(agent_id, misses, policy, now)
    return len(due)


def repeat_missers(policy: MissPolicy, paused_now: Collection[int], now: datetime) -> dict[int, int]:
    """Of the agents being paused after a miss at `now`, those whom this pause brings to the
    policy's count of pauses within its window (R-ELIG-7), with that count. A pause, not an
    offer, is one miss: offers that lapse together during one absence count once. Pauses
    before an operator reinstated the agent do not count."""
    if not policy.misses or not paused_now:
        return {}
    earlier = dict(
        Event.objects.filter(kind="paused", agent_id__in=sorted(paused_now), at__gt=now - timedelta(days=policy.days))
        .filter(Q(agent__reinstated_at__isnull=True) | Q(at__gt=F("agent__reinstated_at")))
        .values_list("agent_id")
        .annotate(n=Count("id"))
    )
    counts = {agent_id: earlier.get(agent_id, 0) + 1 for agent_id in paused_now}
    return {agent_id: n for agent_id, n in counts.items() if n >= policy.misses}


def suspend_for_misses(agent_id: int, misses: int, policy: MissPolicy, now: datetime) -> None:
    """Suspend an agent under the missed-referral policy (R-ELIG-7)."""
    agent = Agent.objects.get(pk=agent_id)
    with translation.override(settings.LANGUAGE_CODE):  # for the operators, like the admin
        agent.suspension_reason = gettext("Missed referrals %(misses)s times in %(days)s days (automatic policy).") % {
            "misses": misses,
            "days": policy.days,
        }
    agent.suspended_at = now
    why = {"misses": misses, "days": policy.days}
    suspend(agent, now, by=SUSPENDED_BY_POLICY, actor=SYSTEM, notice=why, **why)


def suspend(agent: Agent, now: datetime, *, by: str, actor: str, notice: dict[str, Any], **details: Any) -> None:
    """Take an agent whose `suspended_at` (and reason) is set out of routing, by the policy
    or by an operator (R-ELIG-7): no referral reaches them from this commit on (their
    coverage is gone), their other pending offers are routed on, and they are told (with
    `notice`: never an operator's own words) why and whom to ask to be reinstated. The
    event keeps `details`."""
    agent.suspended_by = by
    agent.save(update_fields=["suspended_at", "suspended_by", "suspension_reason"])
    evaluation = refresh_agent(agent, now)
    record("suspended", at=now, actor=actor, agent_id=agent.pk, by=by, **details)
    outbox.agent_notices(agent, "suspended", {**notice, "path": reverse("agent_home")}, now)
    withdraw_offers(agent, now, reasons=evaluation.reasons)


def _expire_each(now: datetime, *, limit: int, skip: frozenset[int], failed: list[int] | None) -> int:
    """`expire_due_offers` one referral at a time, each in a savepoint (see there)."""
    done = 0
    with transaction.atomic():
        for referral in _claim_due(now, skip)[:limit]:
            offer = Offer.objects.filter(
                referral=referral, outcome=Outcome.PENDING, kind=OfferKind.DIRECT, expires_at__lte=now
            ).first()
            if offer is None:
                continue
            try:
                with transaction.atomic():
                    done += _expire(referral, offer, now)
            except Exception as error:
                if isinstance(error, OperationalError) and _lost_a_race(error):
                    logger.warning("expiry of referral %s lost a lock race (%s); retrying", referral.pk, error)
                    continue
                logger.exception("could not expire the offer of referral %s", referral.pk)
                if failed is not None:
                    failed.append(referral.pk)
    return done


def close_stale_safety_net(now: datetime, *, limit: int | None = None) -> int:
    """Dispatcher unit: close referrals nobody accepted in time as unserved (R-ROUTE-8)."""
    limit = limit or settings.HOD_DISPATCH_BATCH
    cutoff = now - timedelta(hours=settings.HOD_SAFETY_NET_HOURS)
    ids = list(
        Referral.objects.filter(status=Status.SAFETY_NET, safety_net_at__lte=cutoff)
        .order_by("safety_net_at")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for referral_id in ids:
        with transaction.atomic():
            referral = lock_referral(referral_id, skip_locked=True)
            if referral is None or referral.status != Status.SAFETY_NET:
                continue
            referral.status = Status.UNSERVED
            referral.closed_at = now
            referral.save(update_fields=["status", "closed_at"])
            Offer.objects.filter(referral=referral, outcome=Outcome.PENDING).update(
                outcome=Outcome.WITHDRAWN, decided_at=now
            )
            outbox.cancel_for_referral(referral)
            outbox.consumer_notice(referral, "consumer_unserved", {}, now)
            record("unserved", at=now, referral=referral, hours=settings.HOD_SAFETY_NET_HOURS)
            closed += 1
    return closed


def withdraw_uncovered_offers(agent: Agent, now: datetime) -> int:
    """After the agent changed their states or languages: take back the pending offers the
    new preferences no longer cover (a consumer must not wait 15 minutes on an agent who has
    just said they do not serve that state or language)."""
    pending = Offer.objects.filter(agent=agent, outcome=Outcome.PENDING).select_related("referral")
    covered = set(Coverage.objects.filter(agent=agent).values_list("plan_year", "state", "language"))
    uncovered = [o.pk for o in pending if (o.referral.plan_year, o.referral.state, o.referral.language) not in covered]
    if not uncovered:
        return 0
    return withdraw_offers(agent, now, reasons=["preferences_changed"], offer_ids=uncovered)


def withdraw_offers(agent: Agent, now: datetime, *, reasons: list[str], offer_ids: list[int] | None = None) -> int:
    """Take back an agent's pending offers (those of `offer_ids`, or all) when they stop
    being eligible (R-ELIG-6): each direct offer's referral is routed on at once; their
    safety-net notices lapse."""
    withdrawn = 0
    offers = Offer.objects.filter(agent=agent, outcome=Outcome.PENDING)
    if offer_ids is not None:
        offers = offers.filter(pk__in=offer_ids)
    for offer in offers:
        with transaction.atomic():
            referral = lock_referral(offer.referral_id)
            assert referral is not None  # noqa: S101 - the offer's foreign key guarantees it
            pending = Offer.objects.filter(pk=offer.pk, outcome=Outcome.PENDING)
            if pending.update(outcome=Outcome.WITHDRAWN, decided_at=now) != 1:
                continue  # accepted, rejected or expired meanwhile
            offer.outcome, offer.decided_at = Outcome.WITHDRAWN, now
            withdrawn += 1
            record("withdrawn", at=now, referral=referral, offer=offer, agent_id=agent.pk, reasons=reasons)
            if offer.kind == OfferKind.DIRECT and referral.status == Status.OFFERED:
                route(referral, now, rank=offer.rank + 1)
    return withdrawn
