"""Districts, tracts and crashes import from GeoJSON and CSV; a bad record is refused with
its number and field, and nothing of the file is imported."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from policy.demo_city import demo_city_files
from policy.models import AuditEvent, Crash, District, Tract
from policy.services.neighbourhoods import (
    NeighbourhoodImportError,
    crashes_import,
    districts_import,
    tracts_import,
)

pytestmark = pytest.mark.django_db
FILES = demo_city_files()


def load_districts() -> None:
    districts_import(FILES["districts.geojson"], origin="districts.geojson", actor=None)


def test_the_fictional_city_imports_whole() -> None:
    load_districts()
    tracts_import(FILES["tracts.geojson"], origin="tracts.geojson", actor=None)
    crashes_import(FILES["crashes.csv"], origin="crashes.csv", actor=None)
    assert District.objects.count() == 8 and Tract.objects.count() == 40
    assert Crash.objects.count() == 600
    assert all(d.fictional and "fictional" in d.city for d in District.objects.all())
    assert AuditEvent.objects.filter(action="crashes.imported").get().details["count"] == 600


def test_a_reimport_updates_instead_of_duplicating() -> None:
    load_districts()
    load_districts()
    assert District.objects.count() == 8


def test_a_crash_with_a_bad_severity_names_the_line_and_field_and_imports_nothing() -> None:
    lines = FILES["crashes.csv"].splitlines()
    lines[5] = lines[5].replace(",fatal,", ",deadly,").replace(",other,", ",deadly,")
    lines[5] = lines[5].replace(",serious,", ",deadly,")
    with pytest.raises(NeighbourhoodImportError, match=r"crashes\.csv line 6, field severity: "):
        crashes_import("\n".join(lines), origin="crashes.csv", actor=None)
    assert Crash.objects.count() == 0


def test_a_crash_with_a_bad_date_names_the_line_and_field() -> None:
    lines = FILES["crashes.csv"].splitlines()
    fields = lines[3].split(",")
    fields[1] = "2026-13-45"
    lines[3] = ",".join(fields)
    with pytest.raises(
        NeighbourhoodImportError, match="line 4, field occurred_on: Invalid RFC3339"
    ):
        crashes_import("\n".join(lines), origin="crashes.csv", actor=None)


def test_a_crash_file_with_wrong_columns_is_refused() -> None:
    text = FILES["crashes.csv"].replace("road_user", "mode", 1)
    with pytest.raises(NeighbourhoodImportError, match=r"line 1: columns missing \['road_user'\]"):
        crashes_import(text, origin="crashes.csv", actor=None)


def test_a_repeated_crash_id_is_refused() -> None:
    lines = FILES["crashes.csv"].splitlines()
    lines.append(lines[1])
    with pytest.raises(NeighbourhoodImportError, match="field record_id: 'PH-2026-0001' repeats"):
        crashes_import("\n".join(lines), origin="crashes.csv", actor=None)


def test_a_tract_with_a_negative_population_names_the_feature_and_field() -> None:
    load_districts()
    data = json.loads(FILES["tracts.geojson"])
    data["features"][6]["properties"]["population"] = -5
    with pytest.raises(NeighbourhoodImportError, match="feature 7, field population: Expected"):
        tracts_import(json.dumps(data), origin="tracts.geojson", actor=None)
    assert Tract.objects.count() == 0


def test_a_tract_of_an_unknown_district_is_refused() -> None:
    load_districts()
    data = json.loads(FILES["tracts.geojson"])
    data["features"][0]["properties"]["district"] = "atlantis"
    with pytest.raises(NeighbourhoodImportError, match="feature 1, field district: no district"):
        tracts_import(json.dumps(data), origin="tracts.geojson", actor=None)


def test_a_self_crossing_polygon_is_refused() -> None:
    data = json.loads(FILES["districts.geojson"])
    data["features"][2]["geometry"]["coordinates"] = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    with pytest.raises(NeighbourhoodImportError, match=r"feature 3, field geometry: .*crosses"):
        districts_import(json.dumps(data), origin="d.geojson", actor=None)
    assert District.objects.count() == 0


def test_a_point_is_not_a_district() -> None:
    data = json.loads(FILES["districts.geojson"])
    data["features"][0]["geometry"] = {"type": "Point", "coordinates": [0, 0]}
    with pytest.raises(NeighbourhoodImportError, match="a Point, not a polygon"):
        districts_import(json.dumps(data), origin="d.geojson", actor=None)


def test_the_import_commands_report_errors_as_command_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "districts.geojson"
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(CommandError, match="not a GeoJSON FeatureCollection"):
        call_command("import_districts", str(bad))
    good = tmp_path / "good.geojson"
    good.write_text(FILES["districts.geojson"])
    call_command("import_districts", str(good))
    assert District.objects.count() == 8
