"""Operator endpoints (staff tokens only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from hod.api import TokenAuth
from referrals.models import Referral
from routing.explain import explain

router = Router(tags=["operators"], auth=TokenAuth())


@router.get("/referrals/{referral_id}/explanation", summary="Why a referral went where it went")
def explanation(request: HttpRequest, referral_id: str) -> dict[str, Any]:
    """Candidates examined, who was passed over and why, the distance order, each offer
    and its outcome. Contains no consumer personal data."""
    if not request.auth.is_staff:  # type: ignore[attr-defined]
        raise HttpError(403, _("Operators only."))
    try:
        referral = Referral.objects.get(public_id=referral_id)
    except (Referral.DoesNotExist, ValueError, Exception) as exc:
        raise HttpError(404, _("No such referral.")) from exc
    return explain(referral)
