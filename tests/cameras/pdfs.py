"""Real PDFs for certificate tests, built by pypdf (a certificate must parse, with pages)."""

from __future__ import annotations

import io

from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)  # A4 in points
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_bytes()
