"""Residents' uploads, payment references and a closed case's administrative details are
gone on the day their period runs out and not a day before, each period taken from the
rule-set version that judged the case; a legal hold keeps them; the deletion log names
the kind, the case, the rule and the version, and none of the deleted content."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone

from enforcement.holds import legal_hold_place
from enforcement.models import (
    Contest,
    ContestDocument,
    DeletionRecord,
    Instalment,
    Nomination,
    Notice,
    Payment,
    PaymentPlan,
    ReliefDocument,
    ReliefRequest,
    Violation,
    ViolationStatus,
)
from enforcement.retention import retention_period, retention_purge
from enforcement.selectors_retention import retention_schedules
from policy.models import AuditEvent
from policy.rules.book import ruleset_preset
from policy.rules.schema import ruleset_to_data
from policy.services.rulesets import ruleset_adopt, ruleset_revise
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db

CLOSED = timezone.make_aware(dt.datetime(2027, 5, 3, 14, 0))
STATEMENT = "I was driving my mother to the clinic"
FILE_BYTES = b"%PDF-1.4 pay stub of Marisol Etxeberria"
DOCUMENT_NAME = "marisol-etxeberria-paystub.pdf"
REFERENCE = "ch_3PqL9sEtxeberria"
DRIVER = "Teodoro Villaseñor"
NEW_KINDS = ("contest_documents", "relief_documents", "payment_records", "administrative_records")


@pytest.fixture(autouse=True)
def portal_storage(settings: Any, tmp_path: Path) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
        },
        "portal": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "portal"), "base_url": None},
        },
    }
    return storages["portal"]


def _notice(jurisdiction: str, version: str, closed: dt.datetime | None) -> Notice:
    camera = CameraFactory(site__jurisdiction=jurisdiction)
    status = ViolationStatus.CLOSED if closed else ViolationStatus.NOTICE_MAILED
    violation = Violation.objects.create(
        event_id=uuid.uuid4(), camera=camera, measured_at=CLOSED - dt.timedelta(days=50),
        speed_kmh=90, uncertainty_kmh=1, limit_kmh=50, status=status, status_reason="test",
        closed_at=closed, ruleset_version=version,
    )  # fmt: skip
    return Notice.objects.create(
        violation=violation, kind="citation", number=f"N{violation.pk:08d}",
        plate="7XYZ123", ruleset=jurisdiction, fine_amount=Decimal(100),
        issued_at=CLOSED - dt.timedelta(days=45),
    )  # fmt: skip


def _upload(storage: Any, model: type[Any], **owner: Any) -> Any:
    name = storage.save(f"{uuid.uuid4().hex}.pdf", ContentFile(FILE_BYTES))
    return model.objects.create(
        stored_name=name, original_name=DOCUMENT_NAME, content_type="application/pdf",
        size=len(FILE_BYTES), sha256="0" * 64, uploaded_at=CLOSED - dt.timedelta(days=20),
        **owner,
    )  # fmt: skip


def closed_case(
    storage: Any,
    *,
    jurisdiction: str = "ca-ab645",
    version: str = "",
    closed: dt.datetime | None = CLOSED,
) -> Violation:
    """A closed case with everything a resident can leave: a contest with a file, a
    relief request with a file, a payment, a paid instalment and a named driver."""
    notice = _notice(jurisdiction, version, closed)
    contest = Contest.objects.create(
        notice=notice, ground="not_me", statement=STATEMENT, status="dismissed",
        submitted_at=CLOSED - dt.timedelta(days=30), hearing_availability="weekday mornings",
    )  # fmt: skip
    _upload(storage, ContestDocument, contest=contest)
    relief = ReliefRequest.objects.create(
        notice=notice, tier="low_income", household_size=3, monthly_income=Decimal("1850.00"),
        statement=STATEMENT, status="granted", submitted_at=CLOSED - dt.timedelta(days=25),
    )  # fmt: skip
    _upload(storage, ReliefDocument, relief=relief)
    Payment.objects.create(
        notice=notice, amount=Decimal("50.00"), provider="test", idempotency_key=uuid.uuid4().hex,
        provider_reference=REFERENCE, status="captured", paid_at=CLOSED,
    )  # fmt: skip
    plan = PaymentPlan.objects.create(
        notice=notice, total=Decimal(55), fee=Decimal(5), monthly=Decimal(25), created_at=CLOSED
    )
    Instalment.objects.create(
        plan=plan, sequence=1, due_on=CLOSED.date(), amount=Decimal(25), paid_at=CLOSED,
        idempotency_key=uuid.uuid4().hex, provider_reference=REFERENCE,
    )  # fmt: skip
    reissued = _notice(jurisdiction, version, closed)
    Nomination.objects.create(
        notice=notice, reissued=reissued, driver_name=DRIVER, driver_address="4 Elm Row",
        statement=STATEMENT, signed_name="Marisol Etxeberria", signed_at=CLOSED,
        statement_sha256="0" * 64,
    )  # fmt: skip
    return notice.violation


def gone(kind: str, case: Violation, storage: Any) -> bool:
    """Whether ``kind``'s records of ``case`` are purged (a file: deleted from storage)."""
    if kind == "contest_documents":
        docs = ContestDocument.objects.filter(contest__notice__violation=case)
        return not docs.exists() and not any(storage.listdir("")[1])
    if kind == "relief_documents":
        return not ReliefDocument.objects.filter(relief__notice__violation=case).exists()
    if kind == "payment_records":
        payment = Payment.objects.get(notice__violation=case)
        instalment = Instalment.objects.get(plan__notice__violation=case)
        kept = (payment.amount, payment.paid_at, instalment.amount) == (50, CLOSED, 25)
        return kept and payment.provider_reference == instalment.provider_reference == ""
    # A contest's decision and a relief request's outcome stay: what the resident wrote goes.
    contest = Contest.objects.get(notice__violation=case)
    relief = ReliefRequest.objects.get(notice__violation=case)
    nomination = Nomination.objects.get(notice__violation=case)
    return (contest.statement, relief.statement, nomination.driver_name) == ("", "", "") and (
        contest.status,
        relief.status,
    ) == ("dismissed", "granted")


def days_of(kind: str, jurisdiction: str = "ca-ab645", version: str = "") -> int:
    return retention_period(jurisdiction, kind, version)[0].days


@pytest.mark.parametrize("jurisdiction", ["ca-ab645", "nyc"])
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_each_new_kind_is_kept_the_day_before_its_period_ends_and_gone_on_the_day(
    kind: str, jurisdiction: str, portal_storage: Any
) -> None:
    case = closed_case(portal_storage, jurisdiction=jurisdiction)
    the_day = CLOSED + dt.timedelta(days=days_of(kind, jurisdiction))
    retention_purge(the_day - dt.timedelta(days=1))
    assert not gone(kind, case, portal_storage)
    report = retention_purge(the_day)
    assert report.purged[kind] >= 1
    assert gone(kind, case, portal_storage)


def test_a_residents_upload_leaves_no_file_behind_in_the_portal_storage(
    portal_storage: Any,
) -> None:
    closed_case(portal_storage)
    stored = [d.stored_name for d in ContestDocument.objects.all()]
    stored += [d.stored_name for d in ReliefDocument.objects.all()]
    assert all(portal_storage.exists(name) for name in stored)
    report = retention_purge(CLOSED + dt.timedelta(days=days_of("contest_documents")))
    assert report.files_deleted >= 2
    assert not any(portal_storage.exists(name) for name in stored)
    assert portal_storage.listdir("")[1] == []


def test_an_open_case_keeps_its_uploads_payments_and_statements_however_old(
    portal_storage: Any,
) -> None:
    case = closed_case(portal_storage, closed=None)
    report = retention_purge(CLOSED + dt.timedelta(days=2000))
    assert not set(NEW_KINDS) & set(report.purged)
    assert not any(gone(kind, case, portal_storage) for kind in NEW_KINDS)


def test_a_legal_hold_keeps_the_uploads_payments_and_statements_of_its_case(
    portal_storage: Any,
) -> None:
    case = closed_case(portal_storage)
    legal_hold_place(violation=case, reason="court", explanation="appeal 27-3", actor=UserFactory())
    report = retention_purge(CLOSED + dt.timedelta(days=5000))
    assert report.held >= len(NEW_KINDS)
    assert not any(gone(kind, case, portal_storage) for kind in NEW_KINDS)


def test_a_driver_named_on_an_open_reissued_case_is_kept_until_that_case_closes(
    portal_storage: Any,
) -> None:
    case = closed_case(portal_storage)
    reissued = Nomination.objects.get(notice__violation=case).reissued.violation
    Violation.objects.filter(pk=reissued.pk).update(
        status=ViolationStatus.NOTICE_MAILED, closed_at=None
    )
    late = CLOSED + dt.timedelta(days=1000)
    retention_purge(late)
    assert Nomination.objects.get(notice__violation=case).driver_name == DRIVER
    Violation.objects.filter(pk=reissued.pk).update(status=ViolationStatus.CLOSED, closed_at=CLOSED)
    retention_purge(late)
    assert Nomination.objects.get(notice__violation=case).driver_name == ""


def _two_versions() -> None:
    """ca-ab645 2024.1 (the preset: uploads kept 120 days), then 2027.1 (200 days)."""
    ruleset_adopt("ca-ab645", effective_from=dt.date(2024, 1, 1), actor=None)
    retention = ruleset_to_data(ruleset_preset("ca-ab645"))["retention"]
    for rule in retention:
        if rule["kind"] == "resident_uploads":
            rule["days"] = 200
    ruleset_revise(
        "ca-ab645", changes={"retention": retention}, version="2027.1",
        effective_from=dt.date(2027, 1, 1), actor=None, note="uploads kept 200 days",
        today=dt.date(2026, 12, 6),
    )  # fmt: skip


def test_a_case_judged_under_an_older_version_is_purged_on_that_versions_period(
    portal_storage: Any,
) -> None:
    _two_versions()
    assert days_of("contest_documents") == 200  # the version in force now
    old = closed_case(portal_storage, version="2024.1")
    new = closed_case(portal_storage, version="2027.1")
    unknown = closed_case(portal_storage, version="")
    retention_purge(CLOSED + dt.timedelta(days=120))
    assert not ContestDocument.objects.filter(contest__notice__violation=old).exists()
    assert ContestDocument.objects.filter(contest__notice__violation=new).exists()
    assert ContestDocument.objects.filter(contest__notice__violation=unknown).exists()
    entry = DeletionRecord.objects.get(kind="contest_documents", case_id=old.pk)
    assert entry.ruleset == "ca-ab645 2024.1" and entry.rule.startswith("120 days")
    retention_purge(CLOSED + dt.timedelta(days=200))
    assert not ContestDocument.objects.exists()
    versions = dict(
        DeletionRecord.objects.filter(kind="contest_documents").values_list("case_id", "ruleset")
    )
    assert versions[new.pk] == "ca-ab645 2027.1"
    assert versions[unknown.pk] == "ca-ab645 2027.1 (in force now; no version recorded)"


def test_the_deletion_log_and_audit_say_kind_case_rule_and_version_but_no_content(
    portal_storage: Any,
) -> None:
    case = closed_case(portal_storage, version="2024.1")
    retention_purge(CLOSED + dt.timedelta(days=400))
    entries = DeletionRecord.objects.filter(kind__in=NEW_KINDS, case_id=case.pk)
    assert sorted(entries.values_list("kind", flat=True)) == sorted(NEW_KINDS)
    assert all(e.ruleset == "ca-ab645 2024.1" and "AB 645" in e.rule for e in entries)
    upload = entries.get(kind="contest_documents")
    assert upload.files_deleted == 1 and upload.object_type == "enforcement.contestdocument"
    events = AuditEvent.objects.filter(actor_label="retention", object_id=str(case.pk))
    stored = json.dumps(list(entries.values()), default=str)
    stored += json.dumps(list(events.values()), default=str)
    for content in (STATEMENT, DOCUMENT_NAME, FILE_BYTES.decode(), REFERENCE, DRIVER, "1850"):
        assert content not in stored


def test_the_dry_run_and_the_auditor_page_show_the_new_kinds(portal_storage: Any) -> None:
    closed_case(portal_storage)
    out = StringIO()
    as_of = (CLOSED + dt.timedelta(days=121)).date().isoformat()
    call_command("retention", "--as-of", as_of, "--dry-run", stdout=out)
    due = json.loads(out.getvalue())["due"]
    assert {k: due[k] for k in NEW_KINDS} == {
        "contest_documents": 1,
        "relief_documents": 1,
        "payment_records": 1,
        "administrative_records": 2,  # the case and the case reissued to the driver
    }
    assert ContestDocument.objects.exists()
    kinds = {row.kind: row for row in retention_schedules() if row.jurisdiction == "ca-ab645"}
    assert set(NEW_KINDS) <= set(kinds)
    assert kinds["contest_documents"].days == 120 and "AB 645" in kinds["contest_documents"].rule
