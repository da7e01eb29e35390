"""Operator registry pages: list, detail, create/edit of cameras and sites, all audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cameras.models import Camera, Heartbeat, SelfTest, Site
from policy.models import AuditEvent
from tests.cameras.calibration_samples import good_calibration, road_picture
from tests.factories import (
    CalibrationFactory,
    CameraFactory,
    CertificateFactory,
    SelfTestFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client, staff: Any) -> Client:
    client.force_login(staff("operator"))
    return client


def camera_fields(site: Site, **overrides: Any) -> dict[str, Any]:
    fields = {
        "code": "pine-st",
        "name": "Pine St",
        "site": site.pk,
        "source_url": "/dev/null",
        "direction": "away",
        "lanes": 2,
        "speed_limit_kmh": 40,
        "timezone": "UTC",
        "active": "on",
    }
    fields.update(overrides)
    return fields


def test_the_camera_list_links_every_page_of_a_camera(operator: Client) -> None:
    camera = CameraFactory(code="birch-ln")
    html = operator.get(reverse("cameras:list")).content.decode()
    for name in (
        "cameras:detail",
        "cameras:calibrate",
        "cameras:calibrations",
        "cameras:certificates",
    ):
        assert reverse(name, args=[camera.code]) in html
    for name in ("cameras:create", "cameras:sites", "cameras:health"):
        assert reverse(name) in html


def test_a_viewer_does_not_see_links_to_operator_actions(client: Client, staff: Any) -> None:
    client.force_login(staff("equity_reviewer"))
    camera = CameraFactory()
    html = client.get(reverse("cameras:list")).content.decode()
    assert reverse("cameras:calibrate", args=[camera.code]) not in html
    assert reverse("cameras:create") not in html


def test_the_detail_page_shows_versions_certificates_self_tests_and_heartbeats(
    operator: Client,
) -> None:
    camera = CameraFactory(code="ash-way")
    CalibrationFactory(camera=camera, data=good_calibration(), note="spring survey")
    CertificateFactory(camera=camera, certificate_number="LAB-77")
    SelfTestFactory(
        camera=camera,
        passed=False,
        reason="clock_offset: 3 s off",
        checks=[
            {"name": "clock_offset", "verdict": "fail", "value": 3, "limit": "2 s", "detail": "3 s"}
        ],
    )
    Heartbeat.objects.create(camera=camera, received_at=timezone.now(), worker_id="w1", fps=29.9)
    html = operator.get(reverse("cameras:detail", args=[camera.code])).content.decode()
    for text in (
        "spring survey",
        "LAB-77",
        "clock_offset: 3 s off",
        "29.9 fps",
        "1 heartbeat in the last 24 hours",
    ):
        assert text in html


def test_an_operator_registers_a_camera_and_it_is_audited(operator: Client) -> None:
    site = SiteFactory()
    response = operator.post(reverse("cameras:create"), camera_fields(site))
    camera = Camera.objects.get(code="pine-st")
    assert response["Location"] == reverse("cameras:detail", args=["pine-st"])
    audit = AuditEvent.objects.get(action="camera.created")
    assert audit.object_id == str(camera.pk) and audit.details["after"]["site"] == site.pk


def test_editing_a_camera_audits_what_changed_and_why(operator: Client) -> None:
    camera = CameraFactory(speed_limit_kmh=50)
    fields = camera_fields(
        camera.site,
        code=camera.code,
        speed_limit_kmh=30,
        name=camera.name,
        reason="school zone extended",
    )
    operator.post(reverse("cameras:edit", args=[camera.code]), fields)
    camera.refresh_from_db()
    assert camera.speed_limit_kmh == 30
    audit = AuditEvent.objects.get(action="camera.updated")
    assert audit.reason == "school zone extended"
    assert audit.details["before"]["speed_limit_kmh"] == 50
    assert audit.details["after"]["speed_limit_kmh"] == 30


def test_a_camera_code_cannot_be_changed_once_registered(operator: Client) -> None:
    camera = CameraFactory(code="fixed-code")
    operator.post(
        reverse("cameras:edit", args=[camera.code]),
        camera_fields(camera.site, code="new-code", name=camera.name),
    )
    assert Camera.objects.filter(code="fixed-code").exists()
    assert not Camera.objects.filter(code="new-code").exists()


def test_saving_an_unchanged_camera_writes_no_audit_row(operator: Client) -> None:
    camera = CameraFactory(source_url="/dev/null", speed_limit_kmh=40, lanes=2)
    operator.post(
        reverse("cameras:edit", args=[camera.code]),
        camera_fields(camera.site, code=camera.code, name=camera.name),
    )
    assert not AuditEvent.objects.filter(action="camera.updated").exists()


def test_a_reserved_code_is_refused(operator: Client) -> None:
    response = operator.post(reverse("cameras:create"), camera_fields(SiteFactory(), code="health"))
    assert response.status_code == 200 and "health is reserved" in response.content.decode()
    assert not Camera.objects.exists()


def test_an_unknown_time_zone_is_refused(operator: Client) -> None:
    response = operator.post(
        reverse("cameras:create"), camera_fields(SiteFactory(), timezone="Mars/Olympus")
    )
    assert "Unknown time zone Mars/Olympus" in response.content.decode()


def test_an_operator_registers_and_edits_a_site(operator: Client) -> None:
    fields = {
        "name": "Lincoln Elementary",
        "address": "1 School Rd",
        "jurisdiction": "nyc",
        "zone_kind": "school",
        "timezone": "America/New_York",
    }
    operator.post(reverse("cameras:site-create"), fields)
    site = Site.objects.get(name="Lincoln Elementary")
    operator.post(
        reverse("cameras:site-edit", args=[site.pk]),
        {**fields, "address": "2 School Rd", "reason": "address corrected"},
    )
    site.refresh_from_db()
    assert site.address == "2 School Rd"
    actions = list(
        AuditEvent.objects.filter(object_id=str(site.pk), object_type="cameras.site").values_list(
            "action", flat=True
        )
    )
    assert actions == ["site.created", "site.updated"]
    assert "Lincoln Elementary" in operator.get(reverse("cameras:sites")).content.decode()


def test_a_reviewer_cannot_register_or_edit_cameras_or_sites(client: Client, staff: Any) -> None:
    client.force_login(staff("reviewer"))
    camera = CameraFactory()
    site = camera.site
    for url in (
        reverse("cameras:create"),
        reverse("cameras:edit", args=[camera.code]),
        reverse("cameras:site-create"),
        reverse("cameras:site-edit", args=[site.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, camera_fields(site, code="sneaky")).status_code == 403
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exists()


def test_a_reviewer_cannot_even_list_cameras(client: Client, staff: Any) -> None:
    client.force_login(staff("reviewer"))
    assert client.get(reverse("cameras:list")).status_code == 403


def test_running_a_self_test_from_the_page_reads_the_camera_source(
    operator: Client, tmp_path: Path
) -> None:
    path = tmp_path / "cam.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (320, 240))
    base = cv2.resize(road_picture(), (320, 240))
    for i in range(15):
        writer.write(base if i % 2 else base[:, ::-1].copy())
    writer.release()
    camera = CameraFactory(source_url=str(path))
    CalibrationFactory(camera=camera, data=good_calibration())
    response = operator.post(reverse("cameras:selftest-run", args=[camera.code]), follow=True)
    selftest = SelfTest.objects.get(camera=camera)
    assert selftest.passed, selftest.reason
    assert "Self-test passed" in response.content.decode()
    assert AuditEvent.objects.get(action="selftest.recorded").actor_label != f"camera:{camera.code}"


def test_the_admin_shows_calibrations_but_cannot_change_them(client: Client) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(admin)
    calibration = CalibrationFactory(data=good_calibration())
    assert client.get(reverse("admin:cameras_calibration_changelist")).status_code == 200
    change = client.get(reverse("admin:cameras_calibration_change", args=[calibration.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.get(reverse("admin:cameras_calibration_add")).status_code == 403


def test_a_camera_edited_in_the_admin_is_audited(client: Client) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(admin)
    camera = CameraFactory(name="Old name")
    client.post(
        reverse("admin:cameras_camera_change", args=[camera.pk]),
        {
            "code": camera.code,
            "name": "New name",
            "site": camera.site.pk,
            "source_url": camera.source_url,
            "direction": "away",
            "lanes": 2,
            "speed_limit_kmh": 50,
            "timezone": "UTC",
            "active": "on",
        },
    )
    camera.refresh_from_db()
    assert camera.name == "New name"
    assert AuditEvent.objects.get(action="camera.updated").details["fields"] == ["name"]
