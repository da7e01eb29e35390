"""Stills to calibrate on: grabbed from the camera's source or uploaded, with limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cameras.models import CalibrationStill
from cameras.services import stills
from cameras.services.stills import StillError, still_grab, still_upload
from policy.models import AuditEvent
from tests.cameras.calibration_samples import jpeg_bytes, road_picture
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def upload(data: bytes, name: str = "road.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def operator(client: Client, staff: Any) -> Client:
    client.force_login(staff("operator"))
    return client


def test_a_still_is_grabbed_from_the_first_good_frame_of_the_source(tmp_path: Path) -> None:
    black = np.zeros((120, 160, 3), np.uint8)
    road = cv2.resize(road_picture(), (160, 120))
    video = write_video(tmp_path / "cam.avi", [black, black, road, road])
    camera = CameraFactory(source_url=str(video))
    still = still_grab(camera=camera, actor=None)
    assert (still.width, still.height, still.origin) == (160, 120, "grab")
    assert AuditEvent.objects.filter(action="calibration_still.created").count() == 1


def test_an_unreadable_source_gives_a_clear_message(tmp_path: Path) -> None:
    camera = CameraFactory(source_url=str(tmp_path / "missing.mp4"))
    with pytest.raises(StillError, match=r"No picture could be read.*does not exist"):
        still_grab(camera=camera, actor=None)
    assert not CalibrationStill.objects.exists()


def test_a_source_of_only_blank_frames_gives_a_clear_message(tmp_path: Path) -> None:
    black = np.zeros((120, 160, 3), np.uint8)
    camera = CameraFactory(source_url=str(write_video(tmp_path / "b.avi", [black] * 3)))
    with pytest.raises(StillError, match="no usable picture"):
        still_grab(camera=camera, actor=None)


def test_grabbing_through_the_page_shows_the_error(operator: Client) -> None:
    camera = CameraFactory(source_url="/dev/null")
    response = operator.post(reverse("cameras:still-grab", args=[camera.code]), follow=True)
    assert "No picture could be read from the camera source" in response.content.decode()


def test_an_uploaded_jpeg_is_stored_without_its_metadata() -> None:
    camera = CameraFactory()
    data = jpeg_bytes()
    # An EXIF APP1 segment (where phones put GPS) right after the SOI marker.
    exif = b"\xff\xe1\x00\x10Exif\x00\x00GPS-HERE"
    still = still_upload(camera=camera, upload=upload(data[:2] + exif + data[2:]), actor=None)
    with still.image.open("rb") as fh:
        assert b"GPS-HERE" not in fh.read()
    assert (still.width, still.height, still.origin) == (640, 480, "upload")


def test_a_png_upload_is_accepted() -> None:
    _ok, buf = cv2.imencode(".png", road_picture())
    still = still_upload(camera=CameraFactory(), upload=upload(buf.tobytes(), "r.png"), actor=None)
    assert still.width == 640


def test_a_file_that_is_not_a_picture_is_refused() -> None:
    with pytest.raises(StillError, match=r"notes\.txt is not a JPEG or PNG picture"):
        still_upload(camera=CameraFactory(), upload=upload(b"hello", "notes.txt"), actor=None)


def test_a_truncated_jpeg_is_refused() -> None:
    with pytest.raises(StillError, match="could not be decoded"):
        still_upload(camera=CameraFactory(), upload=upload(jpeg_bytes()[:200]), actor=None)


def test_an_oversized_picture_is_refused_before_it_is_read() -> None:
    big = b"\xff\xd8\xff" + bytes(stills.MAX_STILL_BYTES)
    with pytest.raises(StillError, match=r"15\.0 MiB; the limit is 15 MiB"):
        still_upload(camera=CameraFactory(), upload=upload(big), actor=None)
    assert not CalibrationStill.objects.exists()


def test_a_tiny_picture_is_refused() -> None:
    _ok, buf = cv2.imencode(".png", np.full((20, 30, 3), 128, np.uint8))
    with pytest.raises(StillError, match="30x20 pixels"):
        still_upload(camera=CameraFactory(), upload=upload(buf.tobytes(), "t.png"), actor=None)


def test_an_empty_upload_is_refused() -> None:
    with pytest.raises(StillError, match="empty"):
        still_upload(camera=CameraFactory(), upload=upload(b""), actor=None)


def test_uploading_through_the_page_opens_the_new_still(operator: Client) -> None:
    camera = CameraFactory()
    response = operator.post(
        reverse("cameras:still-upload", args=[camera.code]), {"image": upload(jpeg_bytes())}
    )
    still = CalibrationStill.objects.get()
    assert response["Location"].endswith(f"?still={still.pk}")
    picture = operator.get(reverse("cameras:still", args=[camera.code, still.pk]))
    assert picture["Content-Type"] == "image/jpeg"


def test_a_refused_upload_through_the_page_explains_why(operator: Client) -> None:
    camera = CameraFactory()
    response = operator.post(
        reverse("cameras:still-upload", args=[camera.code]),
        {"image": upload(b"%PDF-1.4", "c.pdf")},
        follow=True,
    )
    assert "c.pdf is not a JPEG or PNG picture" in response.content.decode()


def test_a_reviewer_cannot_upload_a_still(client: Client, staff: Any) -> None:
    client.force_login(staff("reviewer"))
    camera = CameraFactory()
    response = client.post(
        reverse("cameras:still-upload", args=[camera.code]), {"image": upload(jpeg_bytes())}
    )
    assert response.status_code == 403 and not CalibrationStill.objects.exists()


def test_a_still_is_grabbed_from_a_real_traffic_clip(data_dir: Path) -> None:
    clip = data_dir / "urban_road_cars_kraten.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} not present")
    still = still_grab(camera=CameraFactory(source_url=str(clip)), actor=None)
    assert (still.width, still.height) == (640, 360)
