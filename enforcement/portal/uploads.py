"""Residents' documents: PDF, JPEG or PNG, judged by their bytes, never by their name.

Every file of a submission is checked before any is stored, so a refused file leaves
nothing behind. Images are judged from their header first (format and pixel size)
and only then decoded, so a small file that expands into a huge bitmap is refused
without the memory it would take; a PDF must parse.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from config.uploads import picture_open

MAX_BYTES = 8 * 1024 * 1024
MAX_FILES = 5
MAX_SIDE = 8000  # pixels on either side
MAX_PIXELS = 40_000_000
PDF_MAX_PAGES = 50


class UploadRefused(ValueError):
    """A file is not what it says, too large, or unreadable; the message is for people."""


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    original_name: str
    content_type: str
    extension: str
    sha256: str


def _check_pdf(data: bytes, name: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise UploadRefused(_("%(name)s is not a readable PDF.") % {"name": name}) from None
    if not 1 <= pages <= PDF_MAX_PAGES:
        raise UploadRefused(
            _("%(name)s must have between 1 and %(max)s pages.")
            % {"name": name, "max": PDF_MAX_PAGES}
        )


def _check_image(data: bytes, name: str) -> str:
    try:
        with picture_open(data) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
            if kind not in ("JPEG", "PNG"):
                raise UploadRefused(_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name})
            if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                raise UploadRefused(
                    _("%(name)s is too large an image (%(w)s×%(h)s pixels).")
                    % {"name": name, "w": width, "h": height}
                )
            image.load()  # now decode: a truncated or corrupt image fails here
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise UploadRefused(
            _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name}
        ) from None
    return "image/jpeg" if kind == "JPEG" else "image/png"


def upload_check(upload: UploadedFile) -> CheckedUpload:
    name = (upload.name or "document")[:200]
    if upload.size is None or upload.size > MAX_BYTES:
        raise UploadRefused(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": MAX_BYTES // 2**20}
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UploadRefused(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": MAX_BYTES // 2**20}
        )
    if data.startswith(b"%PDF-"):
        _check_pdf(data, name)
        content_type, ext = "application/pdf", "pdf"
    else:
        content_type = _check_image(data, name)
        ext = "jpg" if content_type == "image/jpeg" else "png"
    return CheckedUpload(data, name, content_type, ext, hashlib.sha256(data).hexdigest())


def uploads_check(files: list[UploadedFile]) -> list[CheckedUpload]:
    """Check every file; refuse the whole submission if any one fails."""
    if len(files) > MAX_FILES:
        raise UploadRefused(_("Send at most %(n)s files.") % {"n": MAX_FILES})
    return [upload_check(f) for f in files]


def upload_store(folder: str, checked: CheckedUpload) -> str:
    """Store under a random name in the private portal storage; returns the stored name."""
    name = f"{folder}/{uuid.uuid4().hex}.{checked.extension}"
    return storages["portal"].save(name, ContentFile(checked.data))
