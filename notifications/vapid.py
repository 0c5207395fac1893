"""The VAPID key pair that signs our Web Push requests (RFC 8292).

Production sets HOD_VAPID_PRIVATE_KEY_FILE; a fresh install (`make run`) makes one under var/
the first time it is needed, so that pushes work without any setup.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02


@cache
def vapid() -> Vapid02:
    path = Path(settings.HOD_VAPID_PRIVATE_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Vapid02()
        key.generate_keys()
        key.save_key(str(path))
        path.chmod(0o600)
    return Vapid02.from_file(str(path))


def public_key() -> str:
    """The application server key the browser needs to subscribe, base64url without padding."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
