"""Owner lookup behind one small interface.

Production points ``FAIRSPEED["OWNER_REGISTRY"]`` at the state's vehicle registry
client; the demo and the tests use the CSV registry below. Only
``enforcement.cases.transitions.violation_owner_lookup`` calls a registry, and only for
an approved violation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

CSV_COLUMNS = ("plate", "state", "make", "model", "colour", "owner_name", "address", "email")


class RegistryError(Exception):
    """The registry cannot be read: a configuration problem, never "owner not found"."""


@dataclass(frozen=True)
class RegisteredVehicle:
    plate: str
    state: str
    make: str
    model: str
    colour: str
    owner_name: str
    address: str
    email: str
    language: str = "en"


class OwnerRegistry(Protocol):
    source: str

    def lookup(self, plate: str) -> RegisteredVehicle | None: ...


def plate_normalise(plate: str) -> str:
    return "".join(ch for ch in plate.upper() if ch.isalnum())


class CsvOwnerRegistry:
    """A registry read from a CSV file with the columns in ``CSV_COLUMNS`` (a
    ``language`` column is optional). Every row is checked when the file is read, so a
    bad file fails with its line number instead of a wrong owner."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.source = f"csv:{self.path.name}"
        self._rows = self._read()

    def _read(self) -> dict[str, RegisteredVehicle]:
        try:
            handle = self.path.open(newline="", encoding="utf-8")
        except OSError as exc:
            raise RegistryError(f"owner registry {self.path}: {exc.strerror}") from exc
        with handle:
            try:
                return self._rows_of(csv.DictReader(handle))
            except (csv.Error, UnicodeDecodeError) as exc:
                raise RegistryError(f"owner registry {self.path}: not a CSV file ({exc})") from exc

    def _rows_of(self, reader: csv.DictReader[str]) -> dict[str, RegisteredVehicle]:
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(
                f"owner registry {self.path}: missing column(s) {', '.join(missing)}"
            )
        rows: dict[str, RegisteredVehicle] = {}
        for line, row in enumerate(reader, start=2):
            vehicle = _row_vehicle(row, f"{self.path}:{line}")
            key = plate_normalise(vehicle.plate)
            if key in rows:
                raise RegistryError(f"{self.path}:{line}: plate {vehicle.plate} twice")
            rows[key] = vehicle
        return rows

    def lookup(self, plate: str) -> RegisteredVehicle | None:
        return self._rows.get(plate_normalise(plate))


def _row_vehicle(row: dict[str, str | None], where: str) -> RegisteredVehicle:
    values = {c: (row.get(c) or "").strip() for c in CSV_COLUMNS}
    for needed in ("plate", "owner_name", "address"):
        if not values[needed]:
            raise RegistryError(f"{where}: {needed} is empty")
    language = (row.get("language") or "en").strip() or "en"
    if language not in ("en", "es"):
        raise RegistryError(f"{where}: language {language!r} is not en or es")
    return RegisteredVehicle(
        plate=values["plate"],
        state=values["state"],
        make=values["make"],
        model=values["model"],
        colour=values["colour"],
        owner_name=values["owner_name"],
        address=values["address"],
        email=values["email"],
        language=language,
    )


def owner_registry() -> OwnerRegistry:
    """The configured registry: a CSV path, or the dotted path of a registry class."""
    configured = str(settings.FAIRSPEED.get("OWNER_REGISTRY", ""))
    if not configured:
        raise RegistryError("no owner registry configured (FAIRSPEED_OWNER_REGISTRY)")
    if configured.endswith(".csv"):
        return CsvOwnerRegistry(configured)
    registry: OwnerRegistry = import_string(configured)()
    return registry
