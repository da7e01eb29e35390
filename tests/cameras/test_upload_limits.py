"""Uploads that cannot hurt the server: the body limit covers files and is checked before
the body is read; picture dimensions come from the header, before any decoding; a
certificate must parse as a PDF with pages."""

from __future__ import annotations

import datetime as dt
import io
import resource
import struct
import time
import tracemalloc
import zlib
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from cameras.models import CalibrationCertificate, CalibrationStill
from cameras.services.certificates import CertificateError, certificate_upload
from cameras.services.stills import StillError, still_upload
from config.uploads import LimitedUploadHandler
from tests.cameras.pdfs import PDF, pdf_bytes
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real 16x16 JPEG whose frame header (SOF0) claims ``width`` x ``height``."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 90, 90)).save(out, "JPEG", quality=50)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_claiming(width: int, height: int) -> bytes:
    """A real 16x16 PNG whose IHDR claims ``width`` x ``height`` (with a valid CRC)."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def picture(data: bytes, name: str = "road.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def certificate(data: bytes, name: str = "cert.pdf") -> Any:
    return certificate_upload(
        camera=CameraFactory(),
        issuer="Metrology Lab",
        certificate_number="ML-1",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 1, 1),
        document=SimpleUploadedFile(name, data, content_type="application/pdf"),
        actor=None,
    )


def test_a_small_jpeg_claiming_20000_by_20000_pixels_is_refused_fast_and_cheaply() -> None:
    bomb = jpeg_claiming(20000, 20000)
    assert len(bomb) < 1000
    camera = CameraFactory()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(StillError, match=r"claims more than \d+ pixels"):
        still_upload(camera=camera, upload=picture(bomb), actor=None)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert elapsed < 0.5, elapsed
    assert peak < 100 * 2**20, peak
    assert rss_growth_kib < 100 * 1024, rss_growth_kib
    assert not CalibrationStill.objects.exists()


def test_a_picture_just_over_the_side_limit_is_refused_from_its_header() -> None:
    with pytest.raises(StillError, match="9000x100 pixels"):
        still_upload(camera=CameraFactory(), upload=picture(jpeg_claiming(9000, 100)), actor=None)


def test_a_png_claiming_a_huge_canvas_is_refused_from_its_header() -> None:
    started = time.perf_counter()
    with pytest.raises(StillError, match=r"claims more than \d+ pixels"):
        still_upload(
            camera=CameraFactory(), upload=picture(png_claiming(20000, 20000), "a.png"), actor=None
        )
    assert time.perf_counter() - started < 0.5


def test_a_jpeg_with_pdf_in_its_first_kilobyte_is_not_a_certificate() -> None:
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, "JPEG", comment=b"%PDF-1.4 %%EOF")
    disguised = out.getvalue()
    assert b"%PDF-" in disguised[:1024]
    with pytest.raises(CertificateError, match="not a readable PDF"):
        certificate(disguised)
    assert not CalibrationCertificate.objects.exists()


def test_an_html_page_dressed_as_a_pdf_is_not_a_certificate() -> None:
    html = b"<html><!-- %PDF-1.4 --><body><script>alert(1)</script></body></html>\n%%EOF\n"
    with pytest.raises(CertificateError, match="not a readable PDF"):
        certificate(html)
    # Even starting with the header it must parse: no cross-reference table, no PDF.
    with pytest.raises(CertificateError, match="not a readable PDF"):
        certificate(b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n")


def test_a_pdf_without_pages_is_not_a_certificate() -> None:
    with pytest.raises(CertificateError, match="without pages"):
        certificate(pdf_bytes(pages=0))


def test_a_real_pdf_with_pages_is_a_certificate() -> None:
    assert certificate(PDF).document_sha256


def test_a_body_over_the_limit_is_refused_from_content_length_before_it_is_read(
    client: Client, staff: Any, settings: Any
) -> None:
    settings.MAX_REQUEST_BYTES = 4096
    client.force_login(staff("operator"))
    camera = CameraFactory()
    response = client.post(
        reverse("cameras:still-upload", args=[camera.code]),
        {"image": picture(bytes(10_000))},
    )
    assert response.status_code == 413
    assert "over the 4096-byte limit" in response.content.decode()
    assert not CalibrationStill.objects.exists()


def test_a_body_under_the_limit_reaches_the_page(client: Client, staff: Any) -> None:
    client.force_login(staff("operator"))
    camera = CameraFactory()
    response = client.post(
        reverse("cameras:still-upload", args=[camera.code]), {"image": picture(b"not a picture")}
    )
    assert response.status_code != 413


def test_file_bytes_are_counted_as_they_arrive_whatever_the_headers_said(settings: Any) -> None:
    settings.MAX_REQUEST_BYTES = 1000
    handler = LimitedUploadHandler()
    assert handler.receive_data_chunk(b"x" * 600, 0) == b"x" * 600
    with pytest.raises(RequestDataTooBig, match="1000-byte request limit"):
        handler.receive_data_chunk(b"x" * 600, 600)
