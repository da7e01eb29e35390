"""Importing districts, tracts (GeoJSON) and crash records (CSV). A file is checked whole
before anything is written: a bad feature or line is refused with its number and field,
and nothing of that file is imported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from django.contrib.auth.models import User
from django.db import transaction
from msgspec import Meta, Struct
from shapely.geometry import shape

from policy.audit import audit_record
from policy.models import Crash, District, Tract

T = TypeVar("T")
Share = Annotated[float, Meta(ge=0, le=1)]
Count = Annotated[int, Meta(ge=0)]
Text = Annotated[str, Meta(min_length=1)]


class NeighbourhoodImportError(ValueError):
    """A file that cannot be imported, with where and which field."""


class DistrictProps(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(pattern=r"^[a-z0-9-]{1,40}$")]
    name: Text
    city: Text
    population: Count
    households: Count
    fictional: bool = False


class TractProps(Struct, forbid_unknown_fields=True):
    geoid: Text
    name: Text
    district: Text
    population: Count
    households: Count
    median_household_income: Count
    poverty_rate: Share
    vulnerability_index: Share
    share_people_of_colour: Share


class CrashRow(Struct, forbid_unknown_fields=True):
    record_id: Text
    occurred_on: dt.date
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    severity: Literal["fatal", "serious", "other"]
    road_user: Literal["pedestrian", "cyclist", "driver"]


_AT = re.compile(r"^(?P<msg>.*) - at `\$\.?(?P<field>[^`]*)`$")


def _explain(where: str, exc: msgspec.ValidationError) -> NeighbourhoodImportError:
    match = _AT.match(str(exc))
    if match and match.group("field"):
        return NeighbourhoodImportError(
            f"{where}, field {match.group('field')}: {match.group('msg')}"
        )
    return NeighbourhoodImportError(f"{where}: {exc}")


def _features(text: str, origin: str) -> list[dict[str, Any]]:
    try:
        data = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise NeighbourhoodImportError(f"{origin}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise NeighbourhoodImportError(f"{origin}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise NeighbourhoodImportError(f"{origin}: the FeatureCollection has no features")
    return features


def _polygon(feature: dict[str, Any], where: str) -> dict[str, Any]:
    geometry = feature.get("geometry")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for bad geometry
        raise NeighbourhoodImportError(f"{where}, field geometry: not a geometry ({exc})") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise NeighbourhoodImportError(
            f"{where}, field geometry: a {geom.geom_type}, not a polygon"
        )
    if not geom.is_valid or geom.is_empty:
        raise NeighbourhoodImportError(
            f"{where}, field geometry: the polygon is empty or crosses itself"
        )
    assert isinstance(geometry, dict)
    return geometry


def _parse_features(
    text: str, origin: str, props: type[T], build: Callable[[T, dict[str, Any]], Any]
) -> list[Any]:
    rows = []
    for number, feature in enumerate(_features(text, origin), start=1):
        where = f"{origin} feature {number}"
        if not isinstance(feature, dict):
            raise NeighbourhoodImportError(f"{where}: not a GeoJSON feature")
        try:
            parsed = msgspec.convert(feature.get("properties") or {}, type=props)
        except msgspec.ValidationError as exc:
            raise _explain(where, exc) from None
        rows.append(build(parsed, _polygon(feature, where)))
    return rows


def districts_import(text: str, *, origin: str, actor: User | None) -> int:
    rows: list[DistrictProps] = []
    polygons: list[dict[str, Any]] = []

    def keep(props: DistrictProps, polygon: dict[str, Any]) -> None:
        rows.append(props)
        polygons.append(polygon)

    _parse_features(text, origin, DistrictProps, keep)
    _no_duplicates([r.code for r in rows], origin, "code")
    with transaction.atomic():
        for props, polygon in zip(rows, polygons, strict=True):
            District.objects.update_or_create(
                code=props.code,
                defaults={**msgspec.structs.asdict(props), "polygon": polygon},
            )
        audit_record(
            actor=actor, action="districts.imported", details={"file": origin, "count": len(rows)}
        )
    return len(rows)


def tracts_import(text: str, *, origin: str, actor: User | None) -> int:
    districts = {d.code: d for d in District.objects.all()}
    rows: list[tuple[TractProps, dict[str, Any]]] = []
    features = _parse_features(text, origin, TractProps, lambda p, g: (p, g))
    for number, (props, polygon) in enumerate(features, start=1):
        if props.district not in districts:
            raise NeighbourhoodImportError(
                f"{origin} feature {number}, field district: no district {props.district!r}"
            )
        rows.append((props, polygon))
    _no_duplicates([p.geoid for p, _ in rows], origin, "geoid")
    with transaction.atomic():
        for props, polygon in rows:
            fields = msgspec.structs.asdict(props)
            fields["district"] = districts[props.district]
            Tract.objects.update_or_create(
                geoid=props.geoid, defaults={**fields, "polygon": polygon}
            )
        audit_record(
            actor=actor, action="tracts.imported", details={"file": origin, "count": len(rows)}
        )
    return len(rows)


def crashes_import(text: str, *, origin: str, actor: User | None) -> int:
    reader = csv.DictReader(io.StringIO(text))
    expected = set(CrashRow.__struct_fields__)
    header = set(reader.fieldnames or [])
    if header != expected:
        missing = sorted(expected - header)
        extra = sorted(header - expected)
        raise NeighbourhoodImportError(
            f"{origin} line 1: columns missing {missing}, unexpected {extra}"
        )
    rows: list[CrashRow] = []
    for row in reader:
        where = f"{origin} line {reader.line_num}"
        try:
            rows.append(msgspec.convert(row, type=CrashRow, strict=False))
        except msgspec.ValidationError as exc:
            raise _explain(where, exc) from None
    # Line numbers: the header is line 1.
    _no_duplicates([r.record_id for r in rows], origin, "record_id", first=2, unit="line")
    columns = [k for k in CrashRow.__struct_fields__ if k != "record_id"]
    with transaction.atomic():
        Crash.objects.bulk_create(
            [Crash(**msgspec.structs.asdict(r)) for r in rows],
            update_conflicts=True,
            unique_fields=["record_id"],
            update_fields=columns,
            batch_size=1000,
        )
        audit_record(
            actor=actor, action="crashes.imported", details={"file": origin, "count": len(rows)}
        )
    return len(rows)


def _no_duplicates(
    keys: list[str], origin: str, field: str, *, first: int = 1, unit: str = "feature"
) -> None:
    seen: dict[str, int] = {}
    for number, key in enumerate(keys, start=first):
        if key in seen:
            raise NeighbourhoodImportError(
                f"{origin} {unit} {number}, field {field}: {key!r} repeats {unit} {seen[key]}"
            )
        seen[key] = number
