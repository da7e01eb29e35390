"""``manage.py measure VIDEO --calibration CALIB.json``: speeds as JSON lines, no database.

A thin wrapper: the logic is in :mod:`cameras.vision.measure.cli` so an edge box can run it
without Django.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cameras.vision.measure import cli


class Command(BaseCommand):
    help = "Measure vehicle speeds in a video through a calibrated zone (one JSON line each)."
    requires_system_checks: list[str] = []  # runs on an edge box with no database
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        code = cli.run(argparse.Namespace(**options), stdout=self.stdout, stderr=self.stderr)
        if code != cli.EXIT_OK:
            raise CommandError("measurement failed (see the message above)", returncode=code)
