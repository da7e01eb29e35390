"""Calibration certificates: only real PDFs within the size limit; expiry is visible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cameras.models import CalibrationCertificate, Camera
from cameras.services.certificates import (
    MAX_CERTIFICATE_BYTES,
    CertificateError,
    certificate_upload,
)
from policy.models import AuditEvent
from tests.cameras.pdfs import PDF
from tests.factories import CameraFactory, CertificateFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def pdf(data: bytes = PDF, name: str = "cert.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def upload(camera: Camera, document: SimpleUploadedFile, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "issuer": "Metrology Lab",
        "certificate_number": "ML-2026-001",
        "valid_from": TODAY,
        "valid_until": TODAY + dt.timedelta(days=365),
    }
    fields.update(overrides)
    return certificate_upload(camera=camera, document=document, actor=None, **fields)


@pytest.fixture
def camera() -> Camera:
    return CameraFactory(code="oak-rd")


@pytest.fixture
def operator(client: Client, staff: Any) -> Client:
    client.force_login(staff("operator"))
    return client


def upload_form(document: Any) -> dict[str, Any]:
    """The certificate upload form, filled in, with ``document`` as the file."""
    return {
        "issuer": "Lab",
        "certificate_number": "X1",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "document": document,
    }


def test_a_pdf_certificate_is_stored_with_its_checksum_and_audited(camera: Camera) -> None:
    certificate = upload(camera, pdf())
    assert len(certificate.document_sha256) == 64
    with certificate.document.open("rb") as fh:
        assert fh.read() == PDF
    audit = AuditEvent.objects.get(action="certificate.uploaded")
    assert audit.details["number"] == "ML-2026-001" and audit.object_id == str(certificate.pk)


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(camera: Camera) -> None:
    with pytest.raises(CertificateError, match=r"cert\.pdf is not a readable PDF"):
        upload(camera, pdf(b"\x89PNG\r\n\x1a\n" + bytes(100)))
    assert not CalibrationCertificate.objects.exists()


def test_a_truncated_pdf_is_refused(camera: Camera) -> None:
    with pytest.raises(CertificateError, match="not a readable PDF"):
        upload(camera, pdf(PDF[: len(PDF) // 2]))


def test_an_oversized_pdf_is_refused(camera: Camera) -> None:
    big = PDF[:9] + bytes(MAX_CERTIFICATE_BYTES) + b"%%EOF\n"
    with pytest.raises(CertificateError, match=r"10\.0 MiB; the limit is 10 MiB"):
        upload(camera, pdf(big))


def test_an_empty_file_is_refused(camera: Camera) -> None:
    with pytest.raises(CertificateError, match="empty"):
        upload(camera, pdf(b""))


def test_an_end_before_the_start_is_refused(camera: Camera) -> None:
    with pytest.raises(CertificateError, match="before 'valid from'"):
        upload(camera, pdf(), valid_until=TODAY - dt.timedelta(days=1))


def test_the_same_certificate_cannot_be_filed_twice(camera: Camera) -> None:
    upload(camera, pdf())
    with pytest.raises(CertificateError, match="already on file"):
        upload(camera, pdf())


def test_the_upload_page_explains_a_refused_file(operator: Client, camera: Camera) -> None:
    response = operator.post(
        reverse("cameras:certificates", args=[camera.code]),
        upload_form(pdf(b"GIF89a....", "scan.pdf")),
    )
    assert response.status_code == 400
    assert "scan.pdf is not a readable PDF" in response.content.decode()
    assert not CalibrationCertificate.objects.exists()


def test_the_upload_page_files_a_good_certificate(operator: Client, camera: Camera) -> None:
    response = operator.post(
        reverse("cameras:certificates", args=[camera.code]),
        upload_form(pdf()),
        follow=True,
    )
    assert "Certificate uploaded" in response.content.decode()
    certificate = CalibrationCertificate.objects.get()
    document = operator.get(
        reverse("cameras:certificate-document", args=[camera.code, certificate.pk])
    )
    assert document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content) == PDF


def test_a_reviewer_cannot_upload_a_certificate(client: Client, staff: Any, camera: Camera) -> None:
    client.force_login(staff("reviewer"))
    response = client.post(
        reverse("cameras:certificates", args=[camera.code]),
        upload_form(pdf()),
    )
    assert response.status_code == 403 and not CalibrationCertificate.objects.exists()


def health_state(client: Client, camera: Camera) -> str:
    html = client.get(reverse("cameras:health")).content.decode()
    row = html[html.index(f">{camera.code}<") :]
    return row.split('data-cert-state="', 1)[1].split('"', 1)[0]


def test_health_shows_an_expired_certificate_in_red(operator: Client, camera: Camera) -> None:
    today = timezone.localdate()
    CertificateFactory(
        camera=camera,
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )
    assert health_state(operator, camera) == "expired"
    html = operator.get(reverse("cameras:health")).content.decode()
    assert 'class="fs-bad" data-cert-state="expired"' in html


def test_health_shows_a_certificate_expiring_within_30_days_in_amber(
    operator: Client, camera: Camera
) -> None:
    today = timezone.localdate()
    CertificateFactory(camera=camera, valid_until=today + dt.timedelta(days=29))
    html = operator.get(reverse("cameras:health")).content.decode()
    assert 'class="fs-warn" data-cert-state="expiring"' in html and "expires in 29 days" in html


def test_health_shows_a_certificate_with_time_left_in_green(
    operator: Client, camera: Camera
) -> None:
    today = timezone.localdate()
    CertificateFactory(camera=camera, valid_until=today + dt.timedelta(days=30))
    assert health_state(operator, camera) == "valid"


def test_a_renewed_certificate_outranks_the_expired_one(operator: Client, camera: Camera) -> None:
    today = timezone.localdate()
    CertificateFactory(
        camera=camera,
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=5),
    )
    CertificateFactory(camera=camera)
    assert health_state(operator, camera) == "valid"


def test_a_camera_without_a_certificate_says_none_on_file(operator: Client, camera: Camera) -> None:
    assert health_state(operator, camera) == "none"
