"""The health page and the camera page give one verdict, from one selector."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import Camera, Heartbeat
from cameras.selectors import camera_health, source_display
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


def _beat(camera: Camera, status: str, seconds_ago: float) -> None:
    Heartbeat.objects.create(
        camera=camera,
        worker_id="w1",
        status=status,
        received_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def _verdicts(client: Client, camera: Camera) -> tuple[list[str], list[str]]:
    """(worker states, enforceable answers) shown on the health page and the camera page."""
    states, answers = [], []
    for url in ("/staff/cameras/health/", f"/staff/cameras/{camera.code}/"):
        page = client.get(url).content.decode()
        states += re.findall(r'data-worker-state="(\w+)"', page)[:1]
        answers += re.findall(r'data-enforceable="(\w+)"', page)[:1]
    return states, answers


@pytest.fixture
def operator(client: Client, staff: Any) -> Client:
    client.force_login(staff("operator"))
    return client


@pytest.mark.parametrize(
    ("status", "seconds_ago", "state", "enforceable"),
    [
        ("running", 10, "running", "yes"),
        ("running", 600, "stale", "no"),
        ("stopped", 10, "stopped", "no"),
        ("stale", 10, "stale", "no"),
        ("error", 10, "error", "no"),
    ],
)
def test_both_pages_agree_on_the_worker_and_whether_the_camera_can_enforce(
    operator: Client, status: str, seconds_ago: float, state: str, enforceable: str
) -> None:
    camera = enforceable_camera()
    _beat(camera, status, seconds_ago)
    assert _verdicts(operator, camera) == ([state, state], [enforceable, enforceable])


def test_a_camera_never_heard_from_is_not_enforceable_anywhere(operator: Client) -> None:
    camera = enforceable_camera()
    assert _verdicts(operator, camera) == (["never", "never"], ["no", "no"])
    assert camera_health(camera).blockers == ["worker"]


def test_a_running_camera_without_an_approved_placement_is_not_enforceable() -> None:
    from policy.models import PlacementProposal

    camera = enforceable_camera()
    _beat(camera, "running", 5)
    PlacementProposal.objects.filter(site=camera.site).delete()
    assert camera_health(camera).blockers == ["placement"]


def test_the_camera_page_never_shows_the_server_path_of_its_video(operator: Client) -> None:
    camera = enforceable_camera(source_url="/srv/fairspeed/video/main-street.mp4")
    page = operator.get(f"/staff/cameras/{camera.code}/").content.decode()
    assert "/srv/fairspeed" not in page
    assert "main-street.mp4" in page


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("/srv/video/elm.mp4", "elm.mp4"),
        ("file:///srv/video/elm.mp4", "elm.mp4"),
        ("rtsp://admin:hunter2@10.0.0.7:554/stream1", "rtsp://10.0.0.7:554/…"),
        ("0", "device 0"),
    ],
)
def test_a_video_source_is_shown_without_paths_or_passwords(source: str, shown: str) -> None:
    assert source_display(source) == shown
