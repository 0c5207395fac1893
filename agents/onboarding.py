"""From eligible NPN to signed-up agent: invitations, sign-up, terms (R-REG-1…6).

invite_if_new(agent, now)          # after an import found the agent newly eligible
invitation = find_invitation(token) # the link's token → its invitation, or None
sign_up(invitation, data, now)      # the sign-up form's cleaned data → a user
accept_terms(agent, states, now)    # the first sign-in's terms page
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from agents.models import Agent, Invitation, TimeZoneSource
from availability.models import Schedule
from eligibility import rules
from eligibility.services import license_facts, plan_year_at, refresh_agent, served_states
from geo.zips import Place
from notifications import outbox


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_if_new(agent: Agent, now: datetime) -> bool:
    """Invite an agent who has never signed up and holds no live invitation. Returning
    agents keep their sign-in and get nothing (R-REG-1)."""
    if agent.user_id is not None:
        return False
    if agent.invitations.filter(used_at__isnull=True, expires_at__gt=now).exists():
        return False
    send_invitation(agent, now)
    return True


def send_invitation(agent: Agent, now: datetime) -> Invitation:
    """A new single-use link, valid for HOD_INVITATION_HOURS, emailed to the MLMS address."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        agent=agent,
        digest=_digest(token),
        created_at=now,
        expires_at=now + timedelta(hours=settings.HOD_INVITATION_HOURS),
    )
    outbox.enqueue(
        "email",
        agent.email,
        "invitation",
        {
            "name": agent.first_name,
            "expires_at": invitation.expires_at.isoformat(),
            "secret_path": reverse("agent_join", args=[token]),
        },
        now,
        agent=agent,
        language=agent.ui_language,
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("agent").filter(digest=_digest(token)).first()


@dataclass(frozen=True)
class SignUp:
    username: str
    password: str
    phone: str
    preferred_contact: str
    place: Place
    language: str
    browser_time_zone: str = ""  # R-AVAIL-1: wins over the ZIP's when the browser told one


class InvitationUsed(Exception):
    """The link was used (by another tab, say) while this form was being filled in."""


def sign_up(invitation: Invitation, data: SignUp, now: datetime) -> Agent:
    """Create the agent's user from the sign-up form, use up the invitation, and queue the
    confirmation email (and the test text when texts were chosen) (R-REG-2…5)."""
    with transaction.atomic():
        if (
            Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
            != 1
        ):
            raise InvitationUsed
        agent = Agent.objects.select_for_update().get(pk=invitation.agent_id)
        if agent.user_id is not None:
            raise InvitationUsed
        user = User(username=data.username, email=agent.email, first_name=agent.first_name, last_name=agent.last_name)
        user.set_password(data.password)
        user.save()
        agent.user = user
        agent.phone = data.phone
        agent.preferred_contact = data.preferred_contact
        if data.browser_time_zone:
            agent.time_zone, agent.time_zone_source = data.browser_time_zone, TimeZoneSource.BROWSER
        agent.move_to(data.place)
        agent.ui_language = data.language
        agent.registered_at = now
        agent.hod_terms_accepted_at = now  # the sign-up form's Terms of Use box
        agent.save()
        Schedule.objects.get_or_create(agent=agent)  # Monday–Friday 8–5 local (R-AVAIL-1)
        refresh_agent(agent, now)
        outbox.enqueue(
            "email",
            agent.email,
            "welcome",
            {"name": agent.first_name, "username": user.username, "path": reverse("account_login")},
            now,
            agent=agent,
            language=agent.ui_language,
        )
        if "sms" in agent.channels:
            outbox.enqueue("sms", agent.phone, "test_text", {}, now, agent=agent, language=agent.ui_language)
    return agent


def accept_terms(agent: Agent, states: Iterable[str], now: datetime) -> None:
    """The CMS Terms of Use accepted with the states the agent wants (R-REG-6, R-ELIG-4):
    from this commit on, referrals may be routed to them."""
    chosen = set(states)
    with transaction.atomic():
        agent.excluded_states = sorted(set(selectable_states(agent, now)) - chosen)
        agent.cms_terms_accepted_at = now
        agent.save(update_fields=["excluded_states", "cms_terms_accepted_at"])
        refresh_agent(agent, now)


def selectable_states(agent: Agent, now: datetime) -> list[str]:
    """HealthCare.gov states where the agent holds an active health license: the only
    states they may choose (R-ELIG-4)."""
    licensed = rules.health_licensed_states(license_facts(agent.npn), now.date())
    served = served_states(plan_year_at(now))
    states = [state for state in licensed if state in served]
    if agent.display_option == 3:
        states = [state for state in states if state == agent.resident_state]
    return sorted(states)
