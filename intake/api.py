from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import JsonValue, StrictBool

from hod.api import BodyIn, DetailOut, ErrorsOut
from intake.services import (
    KeyReused,
    PhoneLimitReached,
    closed_message,
    request_form,
    retry_after,
    submit,
    taking_requests,
)
from lib.languages import LANGUAGES

router = Router(tags=["intake"])


def form_rule(**rule: JsonValue) -> Any:
    """A rule for the document only: the intake form enforces it, with its own translated
    message naming the field (the schema would answer in the framework's English)."""
    return Field(json_schema_extra=rule)


class ConsumerRequestIn(BodyIn):
    first_name: str = form_rule(minLength=1, maxLength=100)
    last_name: str = form_rule(minLength=1, maxLength=100)
    phone: str = form_rule(minLength=1, maxLength=30, examples=["602-555-0134"])
    email: str = Field("", json_schema_extra={"maxLength": 254})
    zip_code: str = form_rule(minLength=5, maxLength=10, examples=["85004"])
    language: str = Field("en", json_schema_extra={"enum": list(LANGUAGES)})
    # JSON's `true` itself: "yes", 1 or "true" are not taken for a person's consent.
    consent: StrictBool = form_rule(enum=[True], description="The consumer agrees to be contacted: must be true.")


# A client's key: visible ASCII, as UUIDs and the like are; at most the column's 200.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A key of the client's choosing (a UUID, say), new for each request: a retry with the same "
    "key creates nothing new; the same key with other details is refused (422).",
    "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"},
}


# What each answer means, in the document (the schemas come from `response`, keyed by number).
ANSWERS = {
    201: {"description": "Stored and offered to the nearest available agent (or the safety net)."},
    200: {
        "description": "Already received: a retry with the same Idempotency-Key, or the same request while "
        "its referral still looks for an agent. Nothing new is stored; the body is that referral's."
    },
    400: {"description": "Refused, each bad field named; nothing is stored."},
    413: {"description": "Refused: the body is larger than the server takes (2.5 MB unless set); nothing is stored."},
    422: {
        "description": "Refused, on `Idempotency-Key`: the key was already used for a request with other "
        "details (names, phone, ZIP code or language). That request stands; nothing is stored."
    },
    429: {
        "description": "Refused, on `phone`: that number already made HOD_REQUESTS_PER_PHONE requests (5 "
        "unless set) within HOD_REQUESTS_PER_PHONE_HOURS (24); nothing is stored. The same request again "
        "while its referral still looks for an agent is still 200.",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the number may ask again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    503: {"description": "Not taking requests (no HealthCare.gov states loaded for the plan year); nothing is stored."},
}


class ReceivedOut(Schema):
    id: str
    status: str
    location: str


@router.post(
    "",
    response={
        201: ReceivedOut,
        200: ReceivedOut,
        400: ErrorsOut,
        413: ErrorsOut,
        422: ErrorsOut,
        429: ErrorsOut,
        503: DetailOut,
    },
    summary="Ask to be contacted (Get Contacted)",
    auth=None,
    openapi_extra={"parameters": [IDEMPOTENCY_HEADER], "responses": ANSWERS},
)
def create_referral(
    request: HttpRequest, payload: ConsumerRequestIn, response: HttpResponse
) -> Status[dict[str, object]]:
    """Store the consumer's request and offer it to the first agent before answering.

    Send an `Idempotency-Key` header, new for each request: a retry with the same key
    returns the first answer (200) and never creates a second referral; the same key with
    other details is refused (422), nothing stored. The same request again (names in any letter
    case, phone, ZIP, language) while the first still looks for an agent also answers 200
    with the first, whatever its key: nobody is offered the same person twice. 503: the
    service is not taking requests (no HealthCare.gov states are loaded for the plan year in
    force); nothing is stored. 429: the phone number has made as many requests lately as one
    number may (`phone` says so); nothing is stored.
    """
    now = timezone.now()
    if not taking_requests(now):
        return Status(503, {"detail": closed_message()})
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        # Never cut to fit: two long keys alike in their first 200 characters would share a referral.
        why = _("Send 1 to 200 visible ASCII characters (a UUID, for example), or no Idempotency-Key at all.")
        return Status(400, {"errors": {"Idempotency-Key": [why]}})
    form = request_form(payload.dict(), now)
    if not form.is_valid():
        return Status(400, {"errors": {field: [str(m) for m in messages] for field, messages in form.errors.items()}})
    try:
        referral, created = submit(form, now, idempotency_key=key)
    except PhoneLimitReached as refusal:
        response["Retry-After"] = retry_after(refusal, now)
        return Status(429, {"errors": {"phone": [str(refusal)]}})
    except KeyReused as refusal:
        return Status(422, {"errors": {"Idempotency-Key": [str(refusal)]}})
    body: dict[str, object] = {
        "id": str(referral.public_id),
        "status": referral.status,
        "location": referral.location_label,
    }
    return Status(201 if created else 200, body)
