from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents import demo
from agents.models import Agent
from eligibility.services import plan_year_at
from referrals.models import Referral, Status


class Command(BaseCommand):
    help = "Create a realistic, deterministic demo population of agents and the demo sign-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--agents", type=int, default=2000, help="how many agents (default 2000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same agents")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when agents already exist")

    def handle(self, *args: Any, **options: Any) -> None:
        count, seed = options["agents"], options["seed"]
        if count < 0 or count > 1_000_000:
            raise CommandError("--agents: give a number from 0 to 1,000,000")
        if not 0 <= seed < 1000:
            raise CommandError("--seed: give a number from 0 to 999")
        now = timezone.now()
        if not (options["if_empty"] and Agent.objects.exists()):
            made = demo.build(count, seed, plan_year_at(now), now)
            self.stdout.write(f"Created {made} demo agents (seed {seed}).")
        logins = demo.demo_logins(now)
        self.stdout.write(f"Demo sign-ins (password for all: {demo.DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role}")
        self.stdout.write(f"Demo API token for ana: {demo.DEMO_TOKEN}")
        referrals = demo.history(now)
        if referrals:
            waiting = Referral.objects.filter(pk__in=referrals, status=Status.OFFERED).count()
            self.stdout.write(f"Created {len(referrals)} demo referrals ({waiting} waiting for an answer).")
