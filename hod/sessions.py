"""Django's sessions in the database, keyed only by keys Django could have made."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS


class SessionStore(db.SessionStore):
    """A cookie whose key Django could not have made (a null character, which PostgreSQL
    refuses in text and a cookie can carry as the escape \\000, made every page a 500) is
    treated as an unknown key is: a new, empty session."""

    def _validate_session_key(self, key: str | None) -> bool:
        return key is not None and 8 <= len(key) <= 40 and all(c in VALID_KEY_CHARS for c in key)
