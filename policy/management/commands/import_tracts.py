"""``manage.py import_tracts FILE``: import tracts; a bad record is refused with its number
and field, and nothing of the file is imported."""

from __future__ import annotations

from policy.management.neighbourhood_import import ImportCommand, Importer
from policy.services.neighbourhoods import tracts_import


class Command(ImportCommand):
    help = "Import tracts (see policy/services/neighbourhoods.py for the fields)."
    noun = "tracts"

    def importer(self) -> Importer:
        return tracts_import
