"""Onboarding and sign-in pages: invitation → sign-up → terms → home (R-REG-1…7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.views import LoginView as AllauthLoginView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agents import onboarding
from agents.forms import ForgotUsernameForm, SignUpForm, TermsForm
from agents.middleware import signed_in_agent
from agents.models import Agent
from agents.passwords import RULES
from lib.languages import language_name
from notifications import outbox
from notifications.models import Message

USERNAME_COOKIE = "hod_username"
USERNAME_COOKIE_DAYS = 365
USERNAME_REMINDER_GAP = timedelta(minutes=10)


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: the sign-up form while the link is live (R-REG-1, R-REG-2)."""
    now = timezone.now()
    invitation = onboarding.find_invitation(token)
    if invitation is None:
        return render(request, "agents/join_invalid.html", status=404)
    agent = invitation.agent
    if invitation.used_at is not None or agent.user_id is not None:
        return render(request, "agents/join_used.html", status=410)
    if invitation.expires_at <= now:
        return render(request, "agents/join_expired.html", {"token": token}, status=410)
    form = SignUpForm(request.POST or None, agent=agent)
    if request.method == "POST" and form.is_valid():
        assert form.place is not None  # noqa: S101 - set by clean_zip_code
        data = onboarding.SignUp(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            phone=form.cleaned_data["phone"],
            preferred_contact=form.cleaned_data["preferred_contact"],
            place=form.place,
            language=translation.get_language() or "en",
            browser_time_zone=form.cleaned_data["browser_time_zone"],
        )
        try:
            onboarding.sign_up(invitation, data, now)
        except onboarding.InvitationUsed:
            return render(request, "agents/join_used.html", status=410)
        return redirect(reverse("agent_join_done") + ("?texted=1" if "sms" in agent.channels else ""))
    return render(
        request,
        "agents/join.html",
        {"form": form, "agent": agent, "rules": RULES},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def join_renew(request: HttpRequest, token: str) -> HttpResponse:
    """An expired link asks for a new one; it goes to the MLMS email, never elsewhere."""
    now = timezone.now()
    invitation = onboarding.find_invitation(token)
    if invitation is None:
        return render(request, "agents/join_invalid.html", status=404)
    if invitation.agent.user_id is not None:
        return render(request, "agents/join_used.html", status=410)
    # A live invitation sent since this one expired is not doubled: the inbox has it.
    sent = onboarding.invite_if_new(invitation.agent, now)
    return render(request, "agents/join_renewed.html", {"sent": sent})


def join_done(request: HttpRequest) -> HttpResponse:
    return render(request, "agents/join_done.html", {"texted": request.GET.get("texted") == "1"})


class LoginView(AllauthLoginView):
    """allauth's sign-in, remembering the username in a cookie when asked (R-REG-7)."""

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_initial()
        remembered = self.request.COOKIES.get(USERNAME_COOKIE, "")
        if remembered:
            initial.update(login=remembered[:150], remember_username=True)
        return initial

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        if form.cleaned_data.get("remember_username"):
            response.set_cookie(
                USERNAME_COOKIE, form.cleaned_data["login"], max_age=USERNAME_COOKIE_DAYS * 86400,
                httponly=True, samesite="Lax", secure=self.request.is_secure(),
            )  # fmt: skip
        else:
            response.delete_cookie(USERNAME_COOKIE)
        return response


def forgot_username(request: HttpRequest) -> HttpResponse:
    """Emails the username to the address on file; says the same whether or not it exists."""
    form = ForgotUsernameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        email = form.cleaned_data["email"]
        agents = Agent.objects.filter(user__email__iexact=email, user__is_active=True).select_related("user")
        # At most one reminder per agent every USERNAME_REMINDER_GAP: the form cannot be used
        # to flood an agent's inbox.
        recent = Message.objects.filter(template="username", created_at__gt=now - USERNAME_REMINDER_GAP)
        for agent in agents.exclude(pk__in=recent.values("agent_id")):
            assert agent.user is not None  # noqa: S101 - filtered on the user
            outbox.enqueue(
                "email", agent.email, "username",
                {"username": agent.user.username, "path": reverse("account_login")},
                now, agent=agent, language=agent.ui_language,
            )  # fmt: skip
        messages.info(request, _("If that email belongs to an agent, the username is on its way to it."))
        return redirect("account_login")
    return render(request, "agents/forgot_username.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def terms(request: HttpRequest) -> HttpResponse:
    """First sign-in: languages, state preferences, Decline / Accept (R-REG-6)."""
    agent = signed_in_agent(request)
    if agent is None:
        return redirect("/")
    now = timezone.now()
    selectable = onboarding.selectable_states(agent, now)
    initial = {"states": [s for s in selectable if s not in agent.excluded_states]}
    form = TermsForm(request.POST or None, selectable=selectable, initial=initial)
    if request.method == "POST":
        if request.POST.get("decision") == "decline":
            logout(request)
            messages.warning(
                request,
                _("You declined the Terms of Use: your registration is not complete and you will receive no "
                  "referrals. Sign in again to accept them."),
            )  # fmt: skip
            return redirect("account_login")
        if form.is_valid():
            onboarding.accept_terms(agent, form.cleaned_data["states"], now)
            return redirect("agent_home")
    context = {"form": form, "agent": agent, "languages": [language_name(code) for code in agent.languages]}
    return render(request, "agents/terms.html", context, status=400 if form.errors else 200)
