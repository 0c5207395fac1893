"""Addresses the libraries bring that this service does not offer."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from hod.testing import signed_in

pytestmark = pytest.mark.django_db


def test_allauths_page_for_adding_email_addresses_is_not_offered() -> None:
    """An agent's address is their Marketplace registration's, kept by the imports; a second
    one added here would receive password resets (and a 300-character one was a 500)."""
    _ana, client = signed_in("Ana")
    assert client.get("/accounts/email/").status_code == 404
    answer = client.post("/accounts/email/", {"action_add": "1", "email": "someone@else.example"})
    assert answer.status_code == 404
    assert not EmailAddress.objects.filter(email="someone@else.example").exists()
