"""Notices: printed in a batch with a PIN, mailed, emailed, and swept for deadlines."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.core.files.storage import storages
from pypdf import PdfReader

from enforcement.cases import transitions as t
from enforcement.cases.guards import TransitionError
from enforcement.cases.mailing import (
    mailing_batch_create,
    mailing_batch_record_mailed,
    notices_sweep,
)
from enforcement.cases.numbers import notice_number_display, pin_check
from enforcement.models import Notice, Violation, ViolationStatus
from policy.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db
S = ViolationStatus
MAIL_ON = dt.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _notice_storage(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "notices": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "notices"), "base_url": None},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def issued(
    case: Any, people: Any, *, ocr: str = "ABC123", plate: str = "ABC123", **kw: Any
) -> Notice:
    v = case(plate=ocr, **kw)
    t.violation_review(v.pk, people["reviewer"], plate=plate)
    t.violation_approve(v.pk, people["approver"])
    return t.violation_vehicle_confirm(v.pk, people["approver"])


def pdf_text(name: str) -> str:
    with storages["notices"].open(name, "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_plate_edited_by_the_reviewer_is_the_plate_on_the_printed_notice(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    notice = issued(case, people, ocr="A8C123", plate="ABC123")
    assert notice.plate == "ABC123"
    result = mailing_batch_create(people["approver"], MAIL_ON)
    text = pdf_text(result.batch.pdf_name)
    assert "ABC123" in text and "A8C123" not in text


def test_the_english_notice_holds_number_pin_speed_fine_and_each_deadline(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    notice = issued(case, people, plate="XYZ789")  # registry language: en
    result = mailing_batch_create(people["approver"], MAIL_ON)
    text = pdf_text(result.batch.pdf_name)
    assert notice_number_display(notice.number) in text
    assert result.pins[notice.number] in text
    assert "84.0 ± 1.4 km/h (lower bound 82.6 km/h)" in text
    assert "Speed limit: 50 km/h" in text and "Fine: $100.00" in text
    assert "Pay the fine: 2027-03-31" in text and "(free initial review): 2027-03-31" in text
    assert "/portal/" in text
    notice.refresh_from_db()
    assert pin_check(result.pins[notice.number], notice.pin_hash)
    assert result.pins[notice.number] not in notice.pin_hash


def test_the_spanish_notice_is_in_spanish(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    issued(case, people, plate="ABC123")  # registry language: es
    text = pdf_text(mailing_batch_create(people["approver"], MAIL_ON).batch.pdf_name)
    assert "AVISO DE INFRACCIÓN DE VELOCIDAD" in text
    assert "Velocidad medida" in text and "Pagar la multa: 2027-03-31" in text


def test_a_warning_notice_says_no_fine_is_due(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    notice = issued(case, people, plate="XYZ789", status=S.WARNING)
    assert notice.kind == "warning" and notice.fine_amount is None
    text = pdf_text(mailing_batch_create(people["approver"], MAIL_ON).batch.pdf_name)
    assert "WARNING NOTICE" in text and "No fine is due" in text and "Fine:" not in text


def test_the_batch_manifest_lists_every_notice_and_a_second_batch_is_empty(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    a = issued(case, people, plate="XYZ789")
    b = issued(case, people, plate="ABC123")
    result = mailing_batch_create(people["approver"], MAIL_ON)
    with storages["notices"].open(result.batch.manifest_name, "rb") as fh:
        rows = fh.read().decode().splitlines()
    assert rows[0].startswith("sequence,page,notice_number")
    assert len(rows) == 3 and notice_number_display(a.number) in rows[1]
    assert notice_number_display(b.number) in rows[2]
    assert mailing_batch_create(people["approver"], MAIL_ON) is None
    with pytest.raises(TransitionError, match="approver role"):
        mailing_batch_create(people["reviewer"], MAIL_ON)


def test_recording_the_batch_as_mailed_starts_the_deadlines_from_that_day(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    notice = issued(case, people, plate="XYZ789")
    batch = mailing_batch_create(people["approver"], MAIL_ON).batch
    with pytest.raises(TransitionError, match="before the date printed"):
        mailing_batch_record_mailed(batch.pk, people["approver"], MAIL_ON - dt.timedelta(days=1))
    assert mailing_batch_record_mailed(batch.pk, people["approver"], dt.date(2027, 3, 2)) == 1
    notice.refresh_from_db()
    assert notice.mailed_on == dt.date(2027, 3, 2)
    assert notice.deadlines["pay"] == "2027-04-01"
    assert notice.violation.status == S.NOTICE_MAILED
    assert AuditEvent.objects.filter(action="notice.mailed", object_id=str(notice.pk)).exists()
    with pytest.raises(TransitionError, match="already recorded"):
        mailing_batch_record_mailed(batch.pk, people["approver"], dt.date(2027, 3, 2))


def _mailed(
    case: Any, people: Any, plate: str, tz: str = "America/Los_Angeles", **kw: Any
) -> Notice:
    notice = issued(case, people, plate=plate, **kw)
    site = notice.violation.camera.site
    site.timezone = tz
    site.save()
    batch = mailing_batch_create(None, MAIL_ON).batch
    mailing_batch_record_mailed(batch.pk, None, MAIL_ON)
    notice.refresh_from_db()
    return notice


def test_the_sweep_defaults_a_citation_only_after_its_last_local_day_across_dst(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    notice = _mailed(case, people, "XYZ789")  # last day 2027-03-31, DST began 14 March
    just_before = dt.datetime(2027, 4, 1, 6, 59, tzinfo=dt.UTC)  # 23:59 PDT
    assert notices_sweep(just_before).defaulted == 0
    after = dt.datetime(2027, 4, 1, 7, 0, tzinfo=dt.UTC)  # 00:00 PDT on 1 April
    assert notices_sweep(after).defaulted == 1
    notice.refresh_from_db()
    assert notice.defaulted_on == dt.date(2027, 4, 1)
    # Beat runs again (and again): nothing changes, nothing is audited twice.
    assert notices_sweep(after).defaulted == 0
    assert notices_sweep(after + dt.timedelta(days=3)).defaulted == 0
    assert AuditEvent.objects.filter(action="notice.defaulted").count() == 1


def test_the_sweep_emails_a_copy_once_where_the_registry_has_an_address(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    with_email = _mailed(case, people, "ABC123")
    _mailed(case, people, "XYZ789")  # no email in the registry
    now = dt.datetime(2027, 3, 2, tzinfo=dt.UTC)
    assert notices_sweep(now).emailed == 1
    assert notices_sweep(now).emailed == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.org"]
    assert with_email.number[:4] in mail.outbox[0].subject


def test_the_sweep_closes_a_warning_once_its_review_period_is_over(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    notice = _mailed(case, people, "XYZ789", status=S.WARNING)
    assert notices_sweep(dt.datetime(2027, 3, 20, tzinfo=dt.UTC)).closed == 0
    assert notices_sweep(dt.datetime(2027, 4, 2, tzinfo=dt.UTC)).closed == 1
    assert notices_sweep(dt.datetime(2027, 4, 3, tzinfo=dt.UTC)).closed == 0
    notice.violation.refresh_from_db()
    assert notice.violation.status == S.CLOSED
    assert Notice.objects.count() == 1
