"""Calibration versions are immutable; import and export speak the contract JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cameras.models import Calibration, Camera
from cameras.services.calibration import calibration_import, calibration_save
from cameras.vision.errors import CalibrationError
from cameras.vision.measure.calibration import Calibration as EngineCalibration
from policy.models import AuditEvent
from tests.cameras.calibration_samples import good_calibration
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera() -> Camera:
    return CameraFactory(code="elm-ave")


@pytest.fixture
def operator(client: Client, staff: Any) -> Client:
    client.force_login(staff("operator"))
    return client


def test_each_save_is_a_new_version_and_the_old_one_is_untouched(camera: Camera) -> None:
    first = calibration_save(camera=camera, data=good_calibration(), actor=None)
    changed = good_calibration()
    changed["speed_limit_kmh"] = 30
    second = calibration_save(camera=camera, data=changed, actor=None)
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.data["speed_limit_kmh"] == 50 and second.data["speed_limit_kmh"] == 30


def test_a_saved_version_loads_in_the_measurement_engine(camera: Camera) -> None:
    saved = calibration_save(camera=camera, data=good_calibration(), actor=None)
    engine = EngineCalibration.from_dict(saved.data)
    assert engine.speed_limit_kmh == 50 and len(engine.world_points) == 7


def test_versions_are_numbered_per_camera(camera: Camera) -> None:
    calibration_save(camera=camera, data=good_calibration(), actor=None)
    other = calibration_save(camera=CameraFactory(), data=good_calibration(), actor=None)
    assert other.version == 1


def test_import_of_a_valid_file_creates_a_version_and_audits_it(camera: Camera) -> None:
    raw = json.dumps(good_calibration()).encode()
    saved = calibration_import(camera=camera, raw=raw, actor=None)
    assert saved.version == 1
    assert AuditEvent.objects.get(action="calibration.created").details["origin"] == "import"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2, 3]", "one JSON object"),
        (json.dumps({"image_points": []}).encode(), "lacks: world_points, zone"),
        (b" " * (1024 * 1024 + 1), "at most 1024 KiB"),
    ],
    ids=["broken-json", "binary", "array", "missing-keys", "too-large"],
)
def test_import_of_a_bad_file_is_refused_and_creates_nothing(
    camera: Camera, raw: bytes, message: str
) -> None:
    with pytest.raises(CalibrationError, match=message):
        calibration_import(camera=camera, raw=raw, actor=None)
    assert not Calibration.objects.exists()


def test_import_through_the_page_reports_a_refusal(operator: Client, camera: Camera) -> None:
    data = good_calibration()
    data["zone"] = [[0, 5], [10, 5]]
    upload = SimpleUploadedFile("cal.json", json.dumps(data).encode(), "application/json")
    response = operator.post(
        reverse("cameras:calibration-import", args=[camera.code]), {"file": upload}, follow=True
    )
    assert "Import refused: zone needs at least 3 corners" in response.content.decode()
    assert not Calibration.objects.exists()


def test_import_through_the_page_creates_the_next_version(operator: Client, camera: Camera) -> None:
    upload = SimpleUploadedFile("cal.json", json.dumps(good_calibration()).encode())
    response = operator.post(
        reverse("cameras:calibration-import", args=[camera.code]),
        {"file": upload, "note": "from the survey firm"},
        follow=True,
    )
    assert "Imported as version 1" in response.content.decode()
    assert Calibration.objects.get().note == "from the survey firm"


def test_export_downloads_the_current_version_as_the_contract(
    operator: Client, camera: Camera
) -> None:
    calibration_save(camera=camera, data=good_calibration(), actor=None)
    changed = good_calibration()
    changed["fps"] = 25.0
    calibration_save(camera=camera, data=changed, actor=None)
    response = operator.get(reverse("cameras:calibration-export-current", args=[camera.code]))
    assert response.status_code == 200
    assert 'filename="elm-ave-calibration-v2.json"' in response["Content-Disposition"]
    exported = json.loads(response.content)
    for key in ("image_points", "world_points", "zone", "speed_limit_kmh", "fps"):
        assert key in exported
    assert exported["fps"] == 25.0
    EngineCalibration.from_dict(exported)


def test_an_exported_file_imports_back_unchanged(operator: Client, camera: Camera) -> None:
    calibration_save(camera=camera, data=good_calibration(), actor=None)
    exported = operator.get(reverse("cameras:calibration-export", args=[camera.code, 1])).content
    again = calibration_import(camera=camera, raw=exported, actor=None)
    assert again.version == 2 and again.data == Calibration.objects.get(version=1).data


def test_export_without_any_calibration_says_so(operator: Client, camera: Camera) -> None:
    response = operator.get(
        reverse("cameras:calibration-export-current", args=[camera.code]), follow=True
    )
    assert "no calibration yet" in response.content.decode()


def test_the_history_lists_every_version_newest_first(operator: Client, camera: Camera) -> None:
    for _ in range(3):
        calibration_save(camera=camera, data=good_calibration(), actor=None)
    html = operator.get(reverse("cameras:calibrations", args=[camera.code])).content.decode()
    assert html.index(">v3") < html.index(">v2") < html.index(">v1")
