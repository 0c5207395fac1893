from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from agents.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_token_is_shown_once_and_only_its_digest_is_stored(client):
    get_user_model().objects.create(username="op", is_staff=True)
    out = StringIO()
    call_command("create_api_token", "op", "--label", "scripts", stdout=out)
    token = out.getvalue().strip()
    stored = ApiToken.objects.get()
    assert token not in stored.digest and len(token) >= 40
    response = client.get(
        "/api/v1/ops/referrals/00000000-0000-0000-0000-000000000000/explanation",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404  # authenticated; the referral simply does not exist


def test_an_unknown_or_disabled_user_gets_a_clear_error_and_no_token():
    get_user_model().objects.create(username="gone", is_active=False)
    with pytest.raises(CommandError, match="'nobody': no such user"):
        call_command("create_api_token", "nobody")
    with pytest.raises(CommandError, match="'gone': the account is disabled"):
        call_command("create_api_token", "gone")
    assert not ApiToken.objects.exists()
