"""Notices as PDF (ReportLab): one page per notice, English or Spanish.

ReportLab writes no tagged PDF; the text is real text (searchable, read aloud by screen
readers in reading order, which follows the drawing order below), the document carries
a title and language, and every image has its content stated in words beside it.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import segno
from django.conf import settings
from django.core.files.storage import storages
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from enforcement.cases.numbers import notice_number_display
from enforcement.cases.selectors import case_files
from enforcement.cases.terms import RESPONSES
from enforcement.models import Notice, NoticeKind

PAGE_W, PAGE_H = LETTER
MARGIN = 18 * mm


@dataclass(frozen=True)
class Printed:
    """What one printed page needs besides the notice row."""

    pin: str
    deadlines: dict[str, str]  # response -> ISO date


def _money(amount: Decimal | None, currency: str) -> str:
    return f"${amount:,.2f}" if currency == "USD" and amount is not None else f"{amount} {currency}"


def _date(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%Y-%m-%d")


def _response_label(name: str) -> str:
    return {
        "pay": _("Pay the fine"),
        "relief": _("Ask for a low-income reduction, a payment plan or community service"),
        "nominate": _("Name the driver, if it was not you"),
        "contest": _("Contest the notice (free initial review)"),
    }[name]


class _Writer:
    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas
        self.y = PAGE_H - MARGIN

    def line(self, text: str, size: float = 10, bold: bool = False, gap: float = 1.35) -> None:
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.c.drawString(MARGIN, self.y, text)
        self.y -= size * gap

    def space(self, points: float) -> None:
        self.y -= points


def _image(canvas: Canvas, notice: Notice, name: str | None, x: float, y: float, w: float) -> None:
    if not name:
        return
    try:
        with storages["evidence"].open(f"{notice.violation.evidence_dir}/{name}", "rb") as fh:
            image = ImageReader(io.BytesIO(fh.read()))
    except OSError:
        canvas.setFont("Helvetica-Oblique", 8)
        canvas.drawString(x, y, _("(image not available)"))
        return
    iw, ih = image.getSize()
    canvas.drawImage(image, x, y, width=w, height=w * ih / iw)


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """A QR code as filled runs of dark modules (ReportLab's own QR widget costs ~0.3 s
    a code, more than the rest of the page)."""
    # Any of the eight masks is valid; a fixed one skips scoring all eight (half the cost).
    matrix = segno.make(url, error="m", micro=False, mask=0).matrix
    n = len(matrix) + 8  # four quiet modules on each side
    cell = size / n
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 4 + 1) * cell
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + (start + 4) * cell, top, (c - start) * cell, cell)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)


def _header(w: _Writer, notice: Notice, printed: Printed) -> None:
    v, owner = notice.violation, notice.violation.owner
    w.line(settings.FAIRSPEED["NOTICE_SENDER"], 9)
    w.space(4)
    title = (
        _("Notice of speed violation")
        if notice.kind == NoticeKind.CITATION
        else _("Warning notice: speed violation")
    )
    w.line(title.upper(), 16, bold=True)
    w.line(_("Notice number: %(n)s") % {"n": notice_number_display(notice.number)}, 12, True)
    w.line(_("Portal PIN: %(pin)s") % {"pin": printed.pin}, 12, True)
    w.space(4)
    w.line(owner.name, 10)
    for part in owner.address.replace("\r", "").replace(";", "\n").split("\n"):
        w.line(part.strip(), 10)
    w.space(6)
    w.line(_("Plate: %(plate)s (%(state)s)") % {"plate": notice.plate, "state": owner.state}, 11)
    w.line(
        _("Vehicle on record: %(make)s %(model)s, %(colour)s")
        % {"make": owner.make, "model": owner.model, "colour": owner.colour}
    )
    tz = zoneinfo.ZoneInfo(v.camera.site.timezone or "UTC")
    when = v.measured_at.astimezone(tz)
    w.line(_("Date and time: %(when)s") % {"when": when.strftime("%Y-%m-%d %H:%M:%S %Z")})
    site = v.camera.site
    place = site.name + (f", {site.address}" if site.address else "")
    if site.latitude is not None and site.longitude is not None:
        place += f" ({site.latitude}, {site.longitude})"
    w.line(_("Place: %(place)s") % {"place": place})
    cal = v.calibration
    w.line(
        _("Camera %(code)s, calibration version %(ver)s of %(date)s")
        % {
            "code": v.camera.code,
            "ver": cal.version if cal else "-",
            "date": cal.created_at.date().isoformat() if cal else "-",
        }
    )


def _measurement(w: _Writer, notice: Notice) -> None:
    v = notice.violation
    w.space(4)
    w.line(
        _("Measured speed: %(s).1f ± %(u).1f km/h (lower bound %(lb).1f km/h)")
        % {"s": v.speed_kmh, "u": v.uncertainty_kmh, "lb": v.lower_bound_kmh},
        11,
        bold=True,
    )
    w.line(_("Speed limit: %(limit).0f km/h") % {"limit": v.limit_kmh}, 11)


def _responses(w: _Writer, notice: Notice, printed: Printed) -> None:
    w.space(6)
    if notice.kind == NoticeKind.WARNING:
        w.line(_("This is a warning. No fine is due and you need not respond."), 11, True)
        if "contest" in printed.deadlines:
            w.line(
                _("You may still ask for a review until %(d)s.")
                % {"d": _date(printed.deadlines["contest"])}
            )
        return
    w.line(_("Fine: %(fine)s") % {"fine": _money(notice.fine_amount, notice.currency)}, 12, True)
    w.line(_("How to respond, and the last day for each:"), 10, bold=True)
    for name in RESPONSES:
        if name in printed.deadlines:
            w.line(f"  • {_response_label(name)}: {_date(printed.deadlines[name])}", 10)
    w.line(_("Paying does not take away your right to contest before the deadline."), 9)


def notice_page(canvas: Canvas, notice: Notice, printed: Printed) -> None:
    """Draw one notice on the canvas's current page, in the active language."""
    w = _Writer(canvas)
    _header(w, notice, printed)
    _measurement(w, notice)
    _responses(w, notice, printed)
    portal = settings.FAIRSPEED["PORTAL_URL"]
    w.space(6)
    w.line(_("See the photos and respond at %(url)s") % {"url": portal}, 10, True)
    w.line(_("Enter the notice number and the PIN above, or scan the code."), 9)
    _qr(
        canvas,
        f"{portal}?citation_number={notice.number}",
        PAGE_W - MARGIN - 30 * mm,
        PAGE_H - MARGIN - 30 * mm,
        30 * mm,
    )
    files = case_files(notice.violation)
    width = (PAGE_W - 2 * MARGIN - 10 * mm) / 2
    bottom = MARGIN + 12 * mm
    canvas.setFont("Helvetica", 8)
    canvas.drawString(
        MARGIN, MARGIN, _("Left: entry photo. Right: exit photo. Below right: plate.")
    )
    _image(canvas, notice, files.get("entry"), MARGIN, bottom + 30 * mm, width)
    _image(canvas, notice, files.get("exit"), MARGIN + width + 10 * mm, bottom + 30 * mm, width)
    plate = files.get("plate") or files.get("plate_region")
    _image(canvas, notice, plate, MARGIN + width + 10 * mm, bottom, 40 * mm)
    canvas.showPage()


def notices_pdf(items: list[tuple[Notice, Printed]], *, language: str | None = None) -> bytes:
    """One PDF of all the notices, each in its own language unless one is forced."""
    buffer = io.BytesIO()
    # Binary image streams instead of ASCII85 text: smaller files, and without ReportLab's
    # C accelerator the pure-Python encoder costs a tenth of each page.
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        _draw_all(buffer, items, language)
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue()


def _draw_all(
    buffer: io.BytesIO, items: list[tuple[Notice, Printed]], language: str | None
) -> None:
    canvas = Canvas(buffer, pagesize=LETTER, pageCompression=1)
    canvas.setTitle("Fairspeed notices")
    canvas.setAuthor(settings.FAIRSPEED["NOTICE_SENDER"])
    for notice, printed in items:
        with translation.override(language or notice.language):
            notice_page(canvas, notice, printed)
    canvas.save()
