from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from enforcement.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Purge (or with --dry-run, list) every record past its retention period and print "
        'one JSON summary: {"due": {...}, "purged": {...}, "held": N, "overdue": N}.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="judge periods as of this day (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = timezone.now()
        if options["as_of"]:
            try:
                day = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of {options['as_of']!r} is not a YYYY-MM-DD date"
                ) from None
            # The end of that day, local time: everything due that day is due.
            as_of = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        report = retention_purge(as_of, dry_run=options["dry_run"])
        self.stdout.write(json.dumps(report.as_json(), sort_keys=True))
