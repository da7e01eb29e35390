"""``manage.py import_tracts FILE``: import tracts; a bad record is refused with its number
and field, and nothing of the file is imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.services.neighbourhoods import NeighbourhoodImportError, tracts_import


class Command(BaseCommand):
    help = "Import tracts (see policy/services/neighbourhoods.py for the fields)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            count = tracts_import(path.read_text(encoding="utf-8"), origin=path.name, actor=None)
        except NeighbourhoodImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"imported {count} tracts from {path.name}")
