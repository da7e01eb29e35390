"""The shared body of the ``import_districts``, ``import_tracts`` and ``import_crashes``
commands: a bad record is refused with its number and field, and nothing of the file is
imported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.services.neighbourhoods import NeighbourhoodImportError

Importer = Callable[..., int]  # (text, *, origin, actor) -> records imported


class ImportCommand(BaseCommand):
    noun = "records"

    def importer(self) -> Importer:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            count = self.importer()(path.read_text(encoding="utf-8"), origin=path.name, actor=None)
        except NeighbourhoodImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"imported {count} {self.noun} from {path.name}")
