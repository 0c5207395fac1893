from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from intake.services import closed_message, request_form, submit, taking_requests
from referrals.models import Referral


def get_contacted(request: HttpRequest) -> HttpResponse:
    """The consumer's "Get Contacted" page, on the same intake path as the API."""
    now = timezone.now()
    if not taking_requests(now):
        return render(request, "intake/get_contacted.html", {"closed": closed_message()}, status=503)
    form = request_form(request.POST if request.method == "POST" else None, now)
    if request.method == "POST" and form.is_valid():
        referral, _ = submit(form, now)
        return redirect("received", public_id=referral.public_id)
    return render(request, "intake/get_contacted.html", {"form": form}, status=400 if form.errors else 200)


def received(request: HttpRequest, public_id: str) -> HttpResponse:
    # Shows only the location: the id in the address is not proof of who is looking.
    referral = get_object_or_404(Referral, public_id=public_id)
    return render(
        request, "intake/received.html", {"location": referral.location_label, "reference": referral.reference}
    )
