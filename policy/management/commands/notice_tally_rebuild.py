"""``manage.py notice_tally_rebuild``: recount the dashboard's tallies from the audit log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policy.services.tallies import notice_tally_rebuild


class Command(BaseCommand):
    help = "Recount the equity dashboard's notice tallies from the violation.recorded events."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{notice_tally_rebuild()} tally rows")
