"""Calibration certificates: an accredited lab's statement that the camera measures
within tolerance between two dates. Without a valid one the gate refuses every ticket."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from pypdf import PdfReader

from cameras.models import CalibrationCertificate, Camera
from cameras.services import Actor, acting_user
from policy.audit import audit_file_open, audit_record

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
MAX_CERTIFICATE_PAGES = 200


class CertificateError(ValueError):
    """The certificate cannot be accepted; the message says what to fix."""


def _pdf_pages(data: bytes, name: str) -> int:
    """Parse the document as a PDF (pypdf) and count its pages.

    A byte pattern is not enough: a JPEG with "%PDF-" in its first kilobyte, or an HTML
    page with "<!-- %PDF-1.4 -->" and "%%EOF", passed such a check and was then served as
    application/pdf. pypdf must find a cross-reference table, a catalogue and at least one
    page; "strict" mode refuses the repairs it would otherwise guess at.
    """
    not_pdf = CertificateError(
        f"{name} is not a readable PDF. Upload the certificate as the PDF the lab issued."
    )
    if not data.startswith(b"%PDF-"):
        raise not_pdf
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted and not reader.decrypt(""):
            raise CertificateError(f"{name} is password-protected; upload an unprotected copy.")
        pages = len(reader.pages)
        if pages:
            reader.pages[0].mediabox  # noqa: B018 - the first page must be readable too
    except CertificateError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input
        raise CertificateError(f"{name} is not a readable PDF ({exc}).") from None
    if pages == 0:
        raise CertificateError(f"{name} is a PDF without pages.")
    if pages > MAX_CERTIFICATE_PAGES:
        raise CertificateError(f"{name} has {pages} pages; the limit is {MAX_CERTIFICATE_PAGES}.")
    return pages


def _read_pdf(document: UploadedFile) -> bytes:
    size = document.size or 0
    if size > MAX_CERTIFICATE_BYTES:
        raise CertificateError(
            f"The document is {size / 2**20:.1f} MiB; the limit is "
            f"{MAX_CERTIFICATE_BYTES // 2**20} MiB."
        )
    if size == 0:
        raise CertificateError("The document is empty.")
    data = document.read(MAX_CERTIFICATE_BYTES + 1)
    _pdf_pages(data, Path(document.name or "document").name)
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
