"""Operator endpoints (staff tokens only)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from hod.api import REFUSALS, DetailOut, TokenAuth
from referrals.models import Referral
from routing.explain import explain

router = Router(tags=["operators"], auth=TokenAuth())


@router.get(
    "/referrals/{referral_id}/explanation",
    response={200: dict[str, Any], **REFUSALS, 404: DetailOut},
    summary="Why a referral went where it went",
)
def explanation(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    """Candidates examined, who was passed over and why, the distance order, each offer
    and its outcome. Contains no consumer personal data. 403 unless the token is an
    operator's."""
    if not request.auth.is_staff:  # type: ignore[attr-defined]
        raise HttpError(403, _("Operators only."))
    referral = Referral.objects.filter(public_id=referral_id).first()
    if referral is None:
        raise HttpError(404, _("No such referral."))
    return explain(referral)
