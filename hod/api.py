"""The JSON API and its OpenAPI document (/api/openapi.json)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import ConfigDict

from agents.models import ApiToken


class UnreadableBody(ValueError):
    pass


class JsonParser(Parser):
    """JSON bodies, with why one cannot be read (the framework's own answer hides it)."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return json.loads(request.body)
        except UnicodeDecodeError:
            raise UnreadableBody(_("The body is not UTF-8 text.")) from None
        except json.JSONDecodeError as exc:
            where = _("line %(line)s, column %(column)s") % {"line": exc.lineno, "column": exc.colno}
            raise UnreadableBody(
                _("The body is not JSON (%(where)s: %(why)s).") % {"where": where, "why": exc.msg}
            ) from None


api = NinjaAPI(
    title="Help On Demand API",
    version="1",
    description="Consumer intake for HealthCare.gov, agent actions for the app, operator queries.",
    urls_namespace="api",
    parser=JsonParser(),
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


class BodyIn(Schema):
    """A request's JSON body. A field it does not have is refused by name ("This request
    has no such field."), never ignored: a misspelt `language` would have sent a Spanish
    speaker to an English-speaking agent, a misspelt `stop_at` switched on until the end of
    the day."""

    model_config = ConfigDict(extra="forbid")


class ErrorsOut(Schema):
    """HTTP 400: each malformed field by name, with why (and intake's 422 on its key, 429 on
    `phone`, and 413 on a body too large to read, any endpoint's)."""

    errors: dict[str, list[str]]


class DetailOut(Schema):
    """Any other refusal (401, 403, 404, 503), with why."""

    detail: str


#: The refusals every token-authenticated endpoint documents besides its own answers.
REFUSALS = {400: ErrorsOut, 401: DetailOut, 403: DetailOut}


class FieldError(Exception):
    """One field's value refused by a rule the schema cannot state: answered like the
    schema's own refusals, as HTTP 400 `{"errors": {field: [message]}}`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def field_errors(errors: dict[str, list[str]], status: int = 400) -> HttpResponse:
    return api.create_response(None, {"errors": errors}, status=status)  # type: ignore[arg-type]


@api.exception_handler(FieldError)
def field_error(request: HttpRequest, exc: FieldError) -> HttpResponse:
    return field_errors({exc.field: [str(exc)]})


# The schema's refusals in the caller's language, by pydantic's error type; another type
# keeps pydantic's own (English) message.
SCHEMA_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "string_type": gettext_lazy("Enter text."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "bool_type": gettext_lazy("Enter true or false."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "uuid_type": gettext_lazy("Enter the identifier as this service gave it (a UUID)."),
    "uuid_parsing": gettext_lazy("Enter the identifier as this service gave it (a UUID)."),
    "date_type": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "datetime_type": gettext_lazy("Enter a date and time with its offset, as 2026-12-24T08:00:00-07:00."),
    "datetime_parsing": gettext_lazy("Enter a date and time with its offset, as 2026-12-24T08:00:00-07:00."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time with its offset, as 2026-12-24T08:00:00-07:00."),
    "dict_type": gettext_lazy("Send a JSON object."),
    "model_type": gettext_lazy("Send a JSON object."),
    "model_attributes_type": gettext_lazy("Send a JSON object."),
    "extra_forbidden": gettext_lazy("This request has no such field."),
}


def schema_message(error: dict[str, Any]) -> str:
    if error.get("type") == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", "")).replace("' or '", "', '")
        return _("Choose one of: %(expected)s.") % {"expected": expected}
    known = SCHEMA_MESSAGES.get(str(error.get("type")))
    return str(known) if known is not None else str(error.get("msg", "invalid"))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Every malformed field named, with why, as HTTP 400 (not the framework's 422)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(loc) or "body", []).append(schema_message(error))
    return field_errors(errors)


@api.exception_handler(HttpError)
def refused(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, UnreadableBody):  # the framework's wrapping of JsonParser's refusal
        return field_errors({"body": [str(exc.__cause__)]})
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """413 in the API's own shape (Django's is an HTML page): no request of ours comes near."""
    most = number_format(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, force_grouping=True)
    return field_errors({"body": [_("The body is larger than %(most)s bytes.") % {"most": most}]}, status=413)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """401 with the challenge HTTP asks for (RFC 6750): which scheme, and whether the token
    sent was refused or none was sent."""
    response = api.create_response(request, {"detail": _("A valid bearer token is required.")}, status=401)
    sent = request.headers.get("Authorization", "").lower().startswith("bearer ")
    response["WWW-Authenticate"] = 'Bearer realm="Help On Demand"' + (', error="invalid_token"' if sent else "")
    return response


def register_routers() -> None:
    from availability.api import router as availability_router
    from intake.api import router as intake_router
    from referrals.api import router as agent_router
    from routing.api import router as ops_router

    api.add_router("/v1/referrals", intake_router)
    api.add_router("/v1/agent", agent_router)
    api.add_router("/v1/agent/availability", availability_router)
    api.add_router("/v1/ops", ops_router)


register_routers()
