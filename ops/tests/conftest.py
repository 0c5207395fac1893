from __future__ import annotations

import pytest
from django.test import Client

from hod.testing import sign_in_operator


@pytest.fixture
def operator(client: Client) -> Client:
    sign_in_operator(client)
    return client
