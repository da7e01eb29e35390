"""Contests: opened with documents, reviewed, heard, decided; refunds and isolation."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pypdf import PdfWriter

from enforcement.cases.guards import TransitionError
from enforcement.models import Contest, ContestDocument, Payment, ViolationStatus
from enforcement.portal import uploads
from enforcement.portal.contests import (
    contest_open,
    contest_review,
    hearing_decide,
    hearing_request,
)
from enforcement.portal.payments import payment_record
from policy.models import AuditEvent

pytestmark = pytest.mark.django_db


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()


@pytest.fixture(autouse=True)
def _portal_storage(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "portal": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "portal"), "base_url": None},
        },
    }


def stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "portal").rglob("*") if p.is_file()]


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")
    return out.getvalue()


def opened(m: Any) -> Client:
    client = Client()
    client.post("/portal/", {"citation_number": m.number, "plate": m.notice.plate})
    return client


def contest_with(client: Client, *files: SimpleUploadedFile) -> Any:
    data = {"ground": "plate_misread", "statement": "My plate is ABC128.", "documents": list(files)}
    return client.post("/portal/case/contest/", data)


def test_a_resident_contests_with_a_pdf_and_a_photo(mailed: Any, tmp_path: Path) -> None:
    m = mailed()
    response = contest_with(
        opened(m),
        SimpleUploadedFile("registration.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("car.png", png(640, 480), "image/png"),
    )
    assert response.status_code == 302
    contest = Contest.objects.get(notice=m.notice)
    assert contest.status == "submitted" and contest.documents.count() == 2
    assert len(stored_files(tmp_path)) == 2
    assert AuditEvent.objects.filter(action="contest.opened").exists()
    answer_by = (contest.submitted_at + dt.timedelta(days=60)).date().isoformat()
    page = opened(m).get("/portal/case/").content.decode()
    assert f"Staff answer by {answer_by} at the latest" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("letter.pdf", b"MZ\x90\x00 this is a program, not a PDF", "is not a PDF, JPEG or PNG"),
        ("photo.jpg", png(10, 10)[:40], "is not a PDF, JPEG or PNG"),
        ("broken.pdf", b"%PDF-1.4\nnot really", "is not a readable PDF"),
        ("huge.png", png(9000, 10), "too large an image"),
    ],
)
def test_a_disguised_or_oversized_upload_is_refused_and_nothing_is_stored(
    mailed: Any, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    m = mailed()
    good = SimpleUploadedFile("ok.pdf", PDF, "application/pdf")
    response = contest_with(opened(m), good, SimpleUploadedFile(name, data, "application/pdf"))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'id="id_documents-error"' in page
    assert "My plate is ABC128." in page  # the statement is kept for the next try
    assert not Contest.objects.exists() and not ContestDocument.objects.exists()
    assert stored_files(tmp_path) == []


def test_a_file_over_the_size_limit_is_refused(mailed: Any, settings: Any) -> None:
    m = mailed()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (uploads.MAX_BYTES + 1), "application/pdf")
    page = contest_with(opened(m), big).content.decode()
    assert "is larger than 8 MB" in page and not Contest.objects.exists()


def test_a_resident_cannot_open_another_residents_upload(mailed: Any) -> None:
    mine, theirs = mailed(plate="ABC123"), mailed(plate="XYZ789")
    contest_with(opened(theirs), SimpleUploadedFile("a.pdf", PDF, "application/pdf"))
    doc = ContestDocument.objects.get()
    assert opened(theirs).get(f"/portal/case/documents/{doc.pk}/").status_code == 200
    assert opened(mine).get(f"/portal/case/documents/{doc.pk}/").status_code == 404
    assert Client().get(f"/portal/case/documents/{doc.pk}/").status_code == 404
    assert Client().get(f"/staff/contests/documents/{doc.pk}/").status_code == 302  # sign in


def walk_to_hearing(m: Any, people: dict[str, Any]) -> Contest:
    contest = contest_open(m.notice.pk, ground="measurement", statement="Too fast?", files=[])
    contest_review(contest.pk, people["reviewer"], dismiss=False, reasons="Two stills agree.")
    return hearing_request(contest.pk, mode="phone", availability="weekday evenings")


@pytest.fixture
def people(staff: Any) -> dict[str, Any]:
    return {"reviewer": staff("reviewer"), "officer": staff("hearing_officer")}


def test_a_won_hearing_after_payment_refunds_and_closes_the_case(mailed: Any, people: Any) -> None:
    m = mailed()
    payment = payment_record(m.notice.pk, key="k-1")
    contest = walk_to_hearing(m, people)
    hearing_decide(contest.pk, people["officer"], dismiss=True, reasons="Signs were missing.")
    payment.refresh_from_db()
    m.notice.violation.refresh_from_db()
    assert payment.status == "refunded" and "Signs were missing." in payment.refund_reason
    assert m.notice.violation.status == ViolationStatus.CLOSED
    assert {"contest.reviewed", "contest.decided", "payment.refunded"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_decisions_are_emailed_with_their_reasons(
    mailed: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    m = mailed()
    with django_capture_on_commit_callbacks(execute=True):
        contest = contest_open(m.notice.pk, ground="other", statement="x", files=[])
        contest_review(contest.pk, people["reviewer"], dismiss=False, reasons="Evidence holds.")
    # ana@example.org is the registry's owner of ABC123; she reads Spanish
    sent = [msg for msg in mail.outbox if "Evidence holds." in msg.body]
    assert sent and sent[0].to == ["ana@example.org"]


def test_an_upheld_hearing_says_how_to_appeal(mailed: Any, people: Any) -> None:
    m = mailed()
    contest = walk_to_hearing(m, people)
    hearing_decide(contest.pk, people["officer"], dismiss=False, reasons="Measurement holds.")
    page = opened(m).get("/portal/case/").content.decode()
    assert "Measurement holds." in page and "superior court" in page
    assert not Payment.objects.exists()


def test_only_a_hearing_officer_decides_and_only_once(mailed: Any, people: Any) -> None:
    contest = walk_to_hearing(mailed(), people)
    with pytest.raises(TransitionError):
        hearing_decide(contest.pk, people["reviewer"], dismiss=True, reasons="x")
    hearing_decide(contest.pk, people["officer"], dismiss=False, reasons="holds")
    with pytest.raises(TransitionError):
        hearing_decide(contest.pk, people["officer"], dismiss=True, reasons="changed my mind")


def test_a_contest_after_its_last_day_is_refused(mailed: Any) -> None:
    m = mailed(mailed_on=dt.date(2020, 1, 1))
    with pytest.raises(TransitionError, match="last day to contest"):
        contest_open(m.notice.pk, ground="other", statement="late", files=[])


def test_the_docket_lists_hearings_by_mode_and_the_file_shows_everything(
    mailed: Any, people: Any
) -> None:
    contest = walk_to_hearing(mailed(), people)
    client = Client()
    client.force_login(people["officer"])
    docket = client.get("/staff/contests/?mode=phone").content.decode()
    assert "weekday evenings" in docket
    assert "weekday evenings" not in client.get("/staff/contests/?mode=video").content.decode()
    page = client.get(f"/staff/contests/{contest.pk}/").content.decode()
    assert "Too fast?" in page and "Two stills agree." in page and "Record the decision" in page
    client.post(
        f"/staff/contests/{contest.pk}/decide/", {"outcome": "dismiss", "reasons": "Not proven."}
    )
    contest.refresh_from_db()
    assert contest.status == "dismissed" and contest.decided_by == people["officer"]
