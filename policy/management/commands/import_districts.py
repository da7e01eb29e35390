"""``manage.py import_districts FILE``: import districts; a bad record is refused with its number
and field, and nothing of the file is imported."""

from __future__ import annotations

from policy.management.neighbourhood_import import ImportCommand, Importer
from policy.services.neighbourhoods import districts_import


class Command(ImportCommand):
    help = "Import districts (see policy/services/neighbourhoods.py for the fields)."
    noun = "districts"

    def importer(self) -> Importer:
        return districts_import
