"""Opening a calibration still or a certificate PDF is an evidence view: the audit log
records who opened which file. A refused request serves nothing and records no view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cameras.models import CalibrationCertificate, CalibrationStill, Camera
from cameras.services.certificates import certificate_upload
from cameras.services.stills import still_open, still_upload
from policy.audit_chain import audit_verify
from policy.models import AuditEvent
from tests.cameras.calibration_samples import jpeg_bytes
from tests.cameras.pdfs import PDF
from tests.factories import CameraFactory, CertificateFactory

pytestmark = pytest.mark.django_db

VIEWED = ("calibration_still.viewed", "certificate.viewed")


@pytest.fixture(autouse=True)
def private_uploads(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads"), "base_url": None},
        },
    }


@pytest.fixture
def camera() -> Camera:
    return CameraFactory(code="oak-rd")


@pytest.fixture
def still(camera: Camera) -> CalibrationStill:
    upload = SimpleUploadedFile("road.jpg", jpeg_bytes(), content_type="image/jpeg")
    return still_upload(camera=camera, upload=upload, actor=None)


@pytest.fixture
def certificate(camera: Camera) -> CalibrationCertificate:
    return certificate_upload(
        camera=camera,
        issuer="Metrology Lab",
        certificate_number="ML-2026-001",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
        document=SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf"),
        actor=None,
    )


def still_url(still: CalibrationStill) -> str:
    return reverse("cameras:still", args=[still.camera.code, still.pk])


def document_url(certificate: CalibrationCertificate) -> str:
    return reverse("cameras:certificate-document", args=[certificate.camera.code, certificate.pk])


def signed_in(client: Client, staff: Any, role: str) -> tuple[Client, User]:
    user = staff(role)
    client.force_login(user)
    return client, user


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def no_view_recorded() -> bool:
    return not AuditEvent.objects.filter(action__in=VIEWED).exists()


def test_downloading_a_still_records_who_viewed_which_still(
    client: Client, staff: Any, still: CalibrationStill
) -> None:
    client, operator = signed_in(client, staff, "operator")
    response = client.get(still_url(still))
    assert response.status_code == 200 and body(response).startswith(b"\xff\xd8\xff")
    audit = AuditEvent.objects.get(action="calibration_still.viewed")
    assert audit.actor == operator and audit.actor_label == operator.username
    assert (audit.object_type, audit.object_id) == ("cameras.calibrationstill", str(still.pk))
    assert audit.details == {"camera": "oak-rd", "sha256": still.sha256}


def test_downloading_a_certificate_records_who_read_which_certificate(
    client: Client, staff: Any, certificate: CalibrationCertificate
) -> None:
    client, operator = signed_in(client, staff, "operator")
    response = client.get(document_url(certificate))
    assert response.status_code == 200 and body(response) == PDF
    audit = AuditEvent.objects.get(action="certificate.viewed")
    assert audit.actor == operator and audit.actor_label == operator.username
    assert audit.object_type == "cameras.calibrationcertificate"
    assert audit.object_id == str(certificate.pk)
    assert audit.details == {
        "camera": "oak-rd",
        "number": "ML-2026-001",
        "sha256": certificate.document_sha256,
    }


def test_an_equity_reviewer_may_view_a_still_and_is_audited_too(
    client: Client, staff: Any, still: CalibrationStill
) -> None:
    client, reviewer = signed_in(client, staff, "equity_reviewer")
    assert client.get(still_url(still)).status_code == 200
    assert AuditEvent.objects.get(action="calibration_still.viewed").actor == reviewer


def test_every_download_is_audited_and_the_chain_still_verifies(
    client: Client, staff: Any, still: CalibrationStill, certificate: CalibrationCertificate
) -> None:
    client, _ = signed_in(client, staff, "operator")
    for _ in range(2):
        body(client.get(still_url(still)))
        body(client.get(document_url(certificate)))
    assert AuditEvent.objects.filter(action="calibration_still.viewed").count() == 2
    assert AuditEvent.objects.filter(action="certificate.viewed").count() == 2
    assert audit_verify().ok


@pytest.mark.parametrize("which", ["still", "certificate"])
def test_a_user_without_camera_permission_gets_403_and_no_view_is_audited(
    client: Client,
    staff: Any,
    still: CalibrationStill,
    certificate: CalibrationCertificate,
    which: str,
) -> None:
    client, _ = signed_in(client, staff, "reviewer")
    url = still_url(still) if which == "still" else document_url(certificate)
    response = client.get(url)
    assert response.status_code == 403
    assert not hasattr(response, "streaming_content")
    assert no_view_recorded()


@pytest.mark.parametrize("which", ["still", "certificate"])
def test_an_anonymous_visitor_is_sent_to_sign_in_and_no_view_is_audited(
    client: Client, still: CalibrationStill, certificate: CalibrationCertificate, which: str
) -> None:
    url = still_url(still) if which == "still" else document_url(certificate)
    response = client.get(url)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert no_view_recorded()


def test_a_still_asked_for_under_another_camera_is_404_and_not_audited(
    client: Client, staff: Any, still: CalibrationStill
) -> None:
    client, _ = signed_in(client, staff, "operator")
    other = CameraFactory(code="elm-st")
    response = client.get(reverse("cameras:still", args=[other.code, still.pk]))
    assert response.status_code == 404
    assert no_view_recorded()


def test_a_certificate_asked_for_under_another_camera_is_404_and_not_audited(
    client: Client, staff: Any, certificate: CalibrationCertificate
) -> None:
    client, _ = signed_in(client, staff, "operator")
    other = CameraFactory(code="elm-st")
    url = reverse("cameras:certificate-document", args=[other.code, certificate.pk])
    assert client.get(url).status_code == 404
    assert no_view_recorded()


def test_a_certificate_without_a_document_is_404_and_not_audited(
    client: Client, staff: Any, camera: Camera
) -> None:
    client, _ = signed_in(client, staff, "operator")
    paperless = CertificateFactory(camera=camera)
    assert client.get(document_url(paperless)).status_code == 404
    assert no_view_recorded()


def test_a_still_whose_file_is_gone_is_not_recorded_as_viewed(still: CalibrationStill) -> None:
    still.image.storage.delete(still.image.name)
    with pytest.raises(FileNotFoundError):
        still_open(still=still, actor=None)
    assert no_view_recorded()
