from __future__ import annotations

import hashlib
import json
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.forms import ConsumerRequestForm
from intake.services import PhoneLimitReached, closed_message, request_form, retry_after, submit, taking_requests
from referrals.models import Referral

TEMPLATE = "intake/get_contacted.html"


def get_contacted(request: HttpRequest) -> HttpResponse:
    """The consumer's "Get Contacted" page, on the same intake path as the API.

    Each page carries a random request key: pressing the button twice, or sending the page
    again from the browser's history, finds the first request (the API's Idempotency-Key by
    another name) instead of asking a second agent to call the same person. The key covers
    what was sent, so a corrected phone number is a request of its own, not lost.
    """
    now = timezone.now()
    if not taking_requests(now):
        return render(request, TEMPLATE, {"closed": closed_message()}, status=503)
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": request_form(None, now), "request_key": uuid.uuid4()})
    form = request_form(request.POST, now)
    sent_key = request.POST.get("request_key", "")
    key = _uuid(sent_key)
    if sent_key and key is None:
        form.is_valid()
        form.add_error(
            None, _("This page was changed after it reached you. Check your details and press Get Contacted again.")
        )
    elif form.is_valid():
        try:
            referral, _created = submit(form, now, idempotency_key=page_key(key, form) if key else None)
        except PhoneLimitReached as refusal:
            # Above the form, in place of "correct the fields": there is nothing to correct.
            form.add_error(None, str(refusal))
            page = render(request, TEMPLATE, {"form": form, "request_key": key or uuid.uuid4()}, status=429)
            page["Retry-After"] = retry_after(refusal, now)
            return page
        return redirect("received", public_id=referral.public_id)
    return render(request, TEMPLATE, {"form": form, "request_key": key or uuid.uuid4()}, status=400)


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if len(text) <= 36 else None
    except ValueError:
        return None


def page_key(key: uuid.UUID, form: ConsumerRequestForm) -> str:
    """The idempotency key of one page's request: its random key and a digest of what it asked."""
    sent = json.dumps({name: str(value) for name, value in sorted(form.cleaned_data.items())})
    return f"page:{key}:{hashlib.sha256(sent.encode()).hexdigest()[:32]}"


def received(request: HttpRequest, public_id: str) -> HttpResponse:
    # Shows only the location: the id in the address is not proof of who is looking.
    referral = get_object_or_404(Referral, public_id=public_id)
    return render(
        request, "intake/received.html", {"location": referral.location_label, "reference": referral.reference}
    )
