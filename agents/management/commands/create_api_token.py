from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from agents.models import ApiToken
from hod.api import token_digest


class Command(BaseCommand):
    help = "Create a bearer token for a user (an agent's app, or an operator's scripts). It is shown once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="", help="what the token is for, e.g. 'Ana's phone'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"username {options['username']!r}: no such user")
        if not user.is_active:
            raise CommandError(f"username {options['username']!r}: the account is disabled")
        token = secrets.token_urlsafe(32)
        ApiToken.objects.create(user=user, digest=token_digest(token), label=options["label"][:100])
        self.stdout.write(token)
