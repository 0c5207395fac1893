from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from referrals.retention import erasable, erase_consumer_data


def days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} days: give 1 or more")
    return value


class Command(BaseCommand):
    help = (
        "Erase the consumer's name and contact data from referrals requested more than N days ago "
        "(HOD_CONSUMER_DATA_DAYS unless --days), once they no longer look for an agent. The dispatcher does "
        "this by itself when HOD_CONSUMER_DATA_DAYS is set; this runs it now, or counts with --dry-run."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=days, help="days after a request (default: HOD_CONSUMER_DATA_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="count the referrals due, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        kept = options["days"] or settings.HOD_CONSUMER_DATA_DAYS
        if not kept:
            raise CommandError(
                "--days: give how many days consumer data is kept (1 or more), or set HOD_CONSUMER_DATA_DAYS"
            )
        now = timezone.now()
        if options["dry_run"]:
            due = erasable(now, kept).count()
            self.stdout.write(
                f"{due} referrals requested {kept} or more days ago would have their consumer data erased."
            )
            return
        erased = 0
        while done := erase_consumer_data(now, days=kept, limit=1000):
            erased += done
        self.stdout.write(f"Erased the consumer data of {erased} referrals requested {kept} or more days ago.")
