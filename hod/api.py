"""The JSON API and its OpenAPI document (/api/openapi.json)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from agents.models import ApiToken

api = NinjaAPI(
    title="Help On Demand API",
    version="1",
    description="Consumer intake for HealthCare.gov, agent actions for the app, operator queries.",
    urls_namespace="api",
)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
        if row is None or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row.user


def field_errors(errors: dict[str, list[str]], status: int = 400) -> HttpResponse:
    return api.create_response(None, {"errors": errors}, status=status)  # type: ignore[arg-type]


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Every malformed field named, with why, as HTTP 400 (not the framework's 422)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(loc) or "body", []).append(str(error.get("msg", "invalid")))
    return field_errors(errors)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("A valid bearer token is required.")}, status=401)


def register_routers() -> None:
    from intake.api import router as intake_router
    from referrals.api import router as agent_router
    from routing.api import router as ops_router

    api.add_router("/v1/referrals", intake_router)
    api.add_router("/v1/agent", agent_router)
    api.add_router("/v1/ops", ops_router)


register_routers()
