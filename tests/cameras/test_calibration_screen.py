"""The calibration screen and its JSON endpoints, as an operator's browser uses them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cameras.models import Calibration, CalibrationStill, Camera
from cameras.services.stills import still_upload
from policy.models import AuditEvent
from tests.cameras.calibration_samples import good_calibration, jpeg_bytes
from tests.factories import CalibrationFactory, CameraFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera() -> Camera:
    return CameraFactory(code="main-st")


@pytest.fixture
def operator(client: Client, staff: Any) -> Client:
    client.force_login(staff("operator"))
    return client


@pytest.fixture
def still(camera: Camera) -> CalibrationStill:
    upload = SimpleUploadedFile("road.jpg", jpeg_bytes(), content_type="image/jpeg")
    return still_upload(camera=camera, upload=upload, actor=None)


def post_json(client: Client, name: str, camera: Camera, body: Any) -> Any:
    return client.post(
        reverse(name, args=[camera.code]), data=json.dumps(body), content_type="application/json"
    )


def test_the_screen_shows_the_picture_and_prefills_the_current_version(
    operator: Client, camera: Camera, still: CalibrationStill
) -> None:
    CalibrationFactory(camera=camera, data=good_calibration())
    page = operator.get(reverse("cameras:calibrate", args=[camera.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("cameras:still", args=[camera.code, still.pk]) in html
    assert "cameras/calibrate.js" in html
    assert '"world_points": [[0, 0], [10, 0]' in html  # json_script of the current version


def test_check_returns_residuals_rms_and_two_opencv_pictures(
    operator: Client, camera: Camera, still: CalibrationStill
) -> None:
    response = post_json(
        operator,
        "cameras:calibrate-check",
        camera,
        {"calibration": good_calibration(), "still": still.pk},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["ok"] and result["rms_m"] < 0.01 and len(result["points"]) == 7
    for key in ("overlay_png", "birdseye_png"):
        assert base64.b64decode(result[key].split(",", 1)[1]).startswith(b"\x89PNG")
    assert Calibration.objects.count() == 0  # checking saves nothing


def test_check_without_a_picture_still_reports_residuals(operator: Client, camera: Camera) -> None:
    result = post_json(
        operator, "cameras:calibrate-check", camera, {"calibration": good_calibration()}
    ).json()
    assert result["ok"] and "overlay_png" not in result


def test_check_of_bad_input_answers_400_with_what_to_fix(operator: Client, camera: Camera) -> None:
    data = good_calibration()
    data["zone"] = [[0, 5], [10, 5], [0, 35], [10, 35]]
    response = post_json(operator, "cameras:calibrate-check", camera, {"calibration": data})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": response.json()["error"]}
    assert "cross" in response.json()["error"]


def test_check_refuses_a_body_that_is_not_json(operator: Client, camera: Camera) -> None:
    response = operator.post(
        reverse("cameras:calibrate-check", args=[camera.code]),
        data=b"image_points=1",
        content_type="application/json",
    )
    assert response.status_code == 400 and "not JSON" in response.json()["error"]


def test_check_refuses_a_picture_of_another_camera(
    operator: Client, camera: Camera, still: CalibrationStill
) -> None:
    other = CameraFactory()
    response = post_json(
        operator,
        "cameras:calibrate-check",
        other,
        {"calibration": good_calibration(), "still": still.pk},
    )
    assert response.status_code == 400 and "does not belong" in response.json()["error"]


def test_save_creates_a_new_version_linked_to_its_picture_and_audited(
    operator: Client, camera: Camera, still: CalibrationStill
) -> None:
    response = post_json(
        operator,
        "cameras:calibrate-save",
        camera,
        {"calibration": good_calibration(), "still": still.pk, "note": "survey"},
    )
    assert response.status_code == 201 and response.json()["version"] == 1
    saved = Calibration.objects.get(camera=camera)
    assert saved.source_still == still and saved.still.name == still.image.name
    assert saved.created_by is not None and saved.note == "survey"
    audit = AuditEvent.objects.get(action="calibration.created")
    assert audit.object_id == str(saved.pk) and audit.details["origin"] == "screen"


def test_save_of_bad_input_creates_nothing(operator: Client, camera: Camera) -> None:
    data = good_calibration()
    data["world_points"] = data["world_points"][:3]
    response = post_json(operator, "cameras:calibrate-save", camera, {"calibration": data})
    assert response.status_code == 400 and "world_points has 3" in response.json()["error"]
    assert not Calibration.objects.exists()
    assert not AuditEvent.objects.filter(action="calibration.created").exists()


def test_a_reviewer_cannot_open_check_or_save_a_calibration(
    client: Client, staff: Any, camera: Camera
) -> None:
    client.force_login(staff("reviewer"))
    assert client.get(reverse("cameras:calibrate", args=[camera.code])).status_code == 403
    for name in ("cameras:calibrate-check", "cameras:calibrate-save"):
        response = post_json(client, name, camera, {"calibration": good_calibration()})
        assert response.status_code == 403
    assert not Calibration.objects.exists()


def test_an_equity_reviewer_who_may_view_cameras_still_cannot_calibrate(
    client: Client, staff: Any, camera: Camera
) -> None:
    client.force_login(staff("equity_reviewer"))
    assert client.get(reverse("cameras:detail", args=[camera.code])).status_code == 200
    assert client.get(reverse("cameras:calibrate", args=[camera.code])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, camera: Camera) -> None:
    response = client.get(reverse("cameras:calibrate", args=[camera.code]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_json_endpoints_only_accept_post(operator: Client, camera: Camera) -> None:
    assert operator.get(reverse("cameras:calibrate-check", args=[camera.code])).status_code == 405


def test_settings_the_screen_does_not_edit_are_carried_into_the_page(
    operator: Client, camera: Camera
) -> None:
    data = {**good_calibration(), "survey_sigma_m": 0.05, "readout_s": 0.02}
    CalibrationFactory(camera=camera, data=data)
    page = operator.get(reverse("cameras:calibrate", args=[camera.code]))
    assert '"extra": {"survey_sigma_m": 0.05, "readout_s": 0.02}' in page.content.decode()
