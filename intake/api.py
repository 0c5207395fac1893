from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from hod.api import DetailOut, ErrorsOut
from intake.services import closed_message, request_form, submit, taking_requests

router = Router(tags=["intake"])


class ConsumerRequestIn(Schema):
    first_name: str
    last_name: str
    phone: str
    email: str = ""
    zip_code: str
    language: str = "en"
    consent: bool


class ReceivedOut(Schema):
    id: str
    status: str
    location: str


@router.post(
    "",
    response={201: ReceivedOut, 200: ReceivedOut, 400: ErrorsOut, 503: DetailOut},
    summary="Ask to be contacted (Get Contacted)",
    auth=None,
)
def create_referral(request: HttpRequest, payload: ConsumerRequestIn) -> Status[dict[str, object]]:
    """Store the consumer's request and offer it to the first agent before answering.

    Send an `Idempotency-Key` header: a retry with the same key returns the first answer
    (200) and never creates a second referral. 503: the service is not taking requests (no
    HealthCare.gov states are loaded for the plan year in force); nothing is stored.
    """
    now = timezone.now()
    if not taking_requests(now):
        return Status(503, {"detail": closed_message()})
    key = request.headers.get("Idempotency-Key", "").strip()[:200] or None
    form = request_form(payload.dict(), now)
    if not form.is_valid():
        return Status(400, {"errors": {field: [str(m) for m in messages] for field, messages in form.errors.items()}})
    referral, created = submit(form, now, idempotency_key=key)
    body: dict[str, object] = {
        "id": str(referral.public_id),
        "status": referral.status,
        "location": referral.location_label,
    }
    return Status(201 if created else 200, body)
