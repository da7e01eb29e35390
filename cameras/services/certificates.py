"""Calibration certificates: an accredited lab's statement that the camera measures
within tolerance between two dates. Without a valid one the gate refuses every ticket."""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cameras.models import CalibrationCertificate, Camera
from cameras.services import Actor, acting_user
from policy.audit import audit_file_open, audit_record

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
# The PDF header must start within the first 1024 bytes (ISO 32000-1, 7.5.2 note).
_PDF_MAGIC = b"%PDF-"
_PDF_HEADER_WINDOW = 1024


class CertificateError(ValueError):
    """The certificate cannot be accepted; the message says what to fix."""


def _read_pdf(document: UploadedFile) -> bytes:
    size = document.size or 0
    if size > MAX_CERTIFICATE_BYTES:
        raise CertificateError(
            f"The document is {size / 2**20:.1f} MiB; the limit is "
            f"{MAX_CERTIFICATE_BYTES // 2**20} MiB."
        )
    if size == 0:
        raise CertificateError("The document is empty.")
    data = document.read()
    # Trust the bytes, not the file name or the browser's content type.
    if _PDF_MAGIC not in data[:_PDF_HEADER_WINDOW]:
        raise CertificateError(
            f"{document.name} is not a PDF (its content does not start like one). "
            "Upload the certificate as the PDF the lab issued."
        )
    if b"%%EOF" not in data[-2048:]:
        raise CertificateError(f"{document.name} is a truncated PDF (no end-of-file marker).")
    return data


def certificate_upload(
    *,
    camera: Camera,
    issuer: str,
    certificate_number: str,
    valid_from: date,
    valid_until: date,
    document: UploadedFile,
    actor: Actor,
) -> CalibrationCertificate:
    """Store a certificate and its PDF (audited). Certificates are never edited: a
    corrected one is uploaded anew and the gate uses whichever is valid on the day."""
    if not issuer.strip() or not certificate_number.strip():
        raise CertificateError("The issuer and the certificate number are both required.")
    if valid_until < valid_from:
        raise CertificateError(
            f"'Valid until' ({valid_until}) is before 'valid from' ({valid_from})."
        )
    duplicate = CalibrationCertificate.objects.filter(
        camera=camera, issuer=issuer.strip(), certificate_number=certificate_number.strip()
    ).exists()
    if duplicate:
        raise CertificateError(
            f"Certificate {certificate_number} from {issuer} is already on file for this camera."
        )
    data = _read_pdf(document)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        certificate = CalibrationCertificate(
            camera=camera,
            issuer=issuer.strip(),
            certificate_number=certificate_number.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            document_sha256=digest,
            uploaded_by=acting_user(actor),
        )
        certificate.document.save(f"{camera.code}-{digest[:16]}.pdf", ContentFile(data), False)
        certificate.save()
        audit_record(
            actor=actor,
            action="certificate.uploaded",
            obj=certificate,
            details={
                "camera": camera.code,
                "issuer": certificate.issuer,
                "number": certificate.certificate_number,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "sha256": digest,
            },
        )
    return certificate


def certificate_document_open(*, certificate: CalibrationCertificate, actor: Actor) -> File[bytes]:
    """Open a certificate's PDF for someone to read, and audit who read it."""
    return audit_file_open(
        certificate.document,
        actor=actor,
        action="certificate.viewed",
        obj=certificate,
        details={
            "camera": certificate.camera.code,
            "number": certificate.certificate_number,
            "sha256": certificate.document_sha256,
        },
    )
