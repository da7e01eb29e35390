"""``manage.py import_crashes FILE``: import crashes; a bad record is refused with its number
and field, and nothing of the file is imported."""

from __future__ import annotations

from policy.management.neighbourhood_import import ImportCommand, Importer
from policy.services.neighbourhoods import crashes_import


class Command(ImportCommand):
    help = "Import crashes (see policy/services/neighbourhoods.py for the fields)."
    noun = "crashes"

    def importer(self) -> Importer:
        return crashes_import
