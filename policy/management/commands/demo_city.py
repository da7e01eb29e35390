"""``manage.py demo_city [--out DIR] [--load]``: write the fictional city's files (the
repository keeps them under policy/fixtures/port-halden/) and, with ``--load``, import
them through the ordinary importers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from policy.demo_city import demo_city_files
from policy.services.neighbourhoods import crashes_import, districts_import, tracts_import

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "port-halden"


class Command(BaseCommand):
    help = "Write (and optionally load) Port Halden, the demo's fictional city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default=None, help="write the files here")
        parser.add_argument("--load", action="store_true", help="import them")

    def handle(self, *args: Any, **options: Any) -> None:
        files = demo_city_files()
        if options["out"]:
            out = Path(options["out"])
            out.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (out / name).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {', '.join(files)} to {out}")
        if options["load"]:
            demo_city_load(files)
            self.stdout.write("loaded Port Halden (fictional)")


def demo_city_load(files: dict[str, str] | None = None) -> None:
    files = files or demo_city_files()
    districts_import(files["districts.geojson"], origin="districts.geojson", actor=None)
    tracts_import(files["tracts.geojson"], origin="tracts.geojson", actor=None)
    crashes_import(files["crashes.csv"], origin="crashes.csv", actor=None)
