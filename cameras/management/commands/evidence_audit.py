"""``manage.py evidence_audit VIDEO --calibration CALIB.json --out DIR``: the camera
worker's evidence packages for every passage over the limit, written out for review.

A thin wrapper: the logic is in :mod:`cameras.worker.audit` (no database needed).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cameras.worker import audit


class Command(BaseCommand):
    help = "Build the evidence packages a camera would store for a video (one JSON line each)."
    requires_system_checks: list[str] = []  # runs on an edge box with no database
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        audit.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        code = audit.run(argparse.Namespace(**options), stdout=self.stdout, stderr=self.stderr)
        if code != audit.EXIT_OK:
            raise CommandError("evidence audit failed (see the message above)", returncode=code)
