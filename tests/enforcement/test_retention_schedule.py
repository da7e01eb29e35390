"""Every kind of record is gone on the day its period runs out and not a day before;
legal holds keep a case; a purge killed halfway completes on the next run; the deletion
log is complete and holds none of the deleted content."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.utils import timezone

from enforcement.holds import HoldError, legal_hold_place, legal_hold_release
from enforcement.models import DeletionRecord, Violation, ViolationStatus
from enforcement.retention import retention_purge
from enforcement.retention_kinds import DEFAULT_PERIODS
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db

RECEIVED = timezone.make_aware(dt.datetime(2027, 3, 1, 9, 30))
PLATE = "7XYZ123"


@pytest.fixture(autouse=True)
def evidence_storage(settings: Any, tmp_path: Path) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
        },
    }
    return storages["evidence"]


def _case(status: str, storage: Any, jurisdiction: str = "ca-ab645") -> Violation:
    camera = CameraFactory(site__jurisdiction=jurisdiction)
    event_id = uuid.uuid4()
    folder = f"{camera.code}/{event_id}"
    storage.save(f"{folder}/01_entry.jpg", ContentFile(b"jpeg of " + PLATE.encode()))
    storage.save(f"{folder}/manifest.json", ContentFile(json.dumps({"plate": PLATE}).encode()))
    violation = Violation.objects.create(
        event_id=event_id, camera=camera, measured_at=RECEIVED, speed_kmh=90,
        uncertainty_kmh=1, limit_kmh=50, plate_text=PLATE, evidence_dir=folder,
        status=status, status_reason="test",
    )  # fmt: skip
    Violation.objects.filter(pk=violation.pk).update(received_at=RECEIVED)
    violation.refresh_from_db()
    return violation


KIND_OF: dict[str, str] = {
    ViolationStatus.REJECTED: "rejected_evidence",
    ViolationStatus.WARNING: "warning_evidence",
    ViolationStatus.DISMISSED: "dismissed_evidence",
}


@pytest.mark.parametrize("status", list(KIND_OF))
def test_each_kind_is_kept_the_day_before_and_gone_on_the_day(
    status: str, evidence_storage: Any
) -> None:
    case = _case(status, evidence_storage)
    days = DEFAULT_PERIODS[KIND_OF[status]].days
    the_day = RECEIVED + dt.timedelta(days=days)
    assert retention_purge(the_day - dt.timedelta(days=1)).purged == {}
    assert evidence_storage.exists(f"{case.evidence_dir}/01_entry.jpg")
    report = retention_purge(the_day)
    assert report.purged == {KIND_OF[status]: 1}
    assert not evidence_storage.exists(f"{case.evidence_dir}/01_entry.jpg")
    assert not evidence_storage.exists(f"{case.evidence_dir}/manifest.json")
    case.refresh_from_db()
    assert case.plate_text == "" and case.evidence_purged_at is not None


def test_a_case_under_review_is_never_purged_by_age(evidence_storage: Any) -> None:
    case = _case(ViolationStatus.AWAITING_REVIEW, evidence_storage)
    assert retention_purge(RECEIVED + dt.timedelta(days=400)).purged == {}
    assert evidence_storage.exists(f"{case.evidence_dir}/01_entry.jpg")


def test_a_legal_hold_keeps_a_case_and_its_release_lets_the_purge_proceed(
    evidence_storage: Any,
) -> None:
    case = _case(ViolationStatus.REJECTED, evidence_storage)
    clerk = UserFactory()
    hold = legal_hold_place(
        violation=case, reason="litigation", explanation="suit 27-114", actor=clerk
    )
    late = RECEIVED + dt.timedelta(days=90)
    report = retention_purge(late)
    assert report.purged == {} and report.held == 1
    assert evidence_storage.exists(f"{case.evidence_dir}/01_entry.jpg")
    legal_hold_release(hold=hold, reason="suit settled", actor=clerk)
    assert retention_purge(late).purged == {"rejected_evidence": 1}


def test_a_hold_needs_a_reason_and_is_released_once(evidence_storage: Any) -> None:
    case = _case(ViolationStatus.REJECTED, evidence_storage)
    clerk = UserFactory()
    with pytest.raises(HoldError, match="written explanation"):
        legal_hold_place(violation=case, reason="court", explanation=" ", actor=clerk)
    hold = legal_hold_place(violation=case, reason="court", explanation="appeal filed", actor=clerk)
    legal_hold_release(hold=hold, reason="appeal decided", actor=clerk)
    with pytest.raises(HoldError, match="already released"):
        legal_hold_release(hold=hold, reason="again", actor=clerk)


class FailingStorage(FileSystemStorage):
    """A disk that fails after a few deletions, as a purge killed halfway would stop."""

    deletions_left = 3

    def delete(self, name: str) -> None:
        if FailingStorage.deletions_left == 0:
            raise OSError("storage went away")
        FailingStorage.deletions_left -= 1
        super().delete(name)


def test_a_purge_stopped_halfway_completes_on_the_next_run(
    settings: Any, tmp_path: Path, evidence_storage: Any
) -> None:
    cases = [_case(ViolationStatus.REJECTED, evidence_storage) for _ in range(4)]
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": f"{__name__}.FailingStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
        },
    }
    late = RECEIVED + dt.timedelta(days=30)
    with pytest.raises(OSError, match="storage went away"):
        retention_purge(late)
    # The batch rolled back whole, though some of its files were already deleted.
    assert not Violation.objects.filter(evidence_purged_at__isnull=False).exists()
    assert not DeletionRecord.objects.exists()
    assert not evidence_storage.exists(f"{cases[0].evidence_dir}/01_entry.jpg")
    FailingStorage.deletions_left = 1000
    report = retention_purge(late)
    assert report.purged == {"rejected_evidence": 4}
    assert DeletionRecord.objects.count() == 4
    assert not any(
        evidence_storage.exists(c.evidence_dir) and evidence_storage.listdir(c.evidence_dir)[1]
        for c in cases
    )
    assert sorted(DeletionRecord.objects.values_list("object_id", flat=True)) == sorted(
        str(c.pk) for c in cases
    )


def test_the_deletion_log_says_what_when_and_why_but_not_what_was_deleted(
    evidence_storage: Any,
) -> None:
    case = _case(ViolationStatus.WARNING, evidence_storage)
    retention_purge(RECEIVED + dt.timedelta(days=61))
    entry = DeletionRecord.objects.get()
    assert (entry.kind, entry.object_id) == ("warning_evidence", str(case.pk))
    assert entry.ruleset.startswith("ca-ab645 ")
    assert entry.files_deleted == 2 and "60 days" in entry.rule and "AB 645" in entry.rule
    assert entry.due_at == RECEIVED + dt.timedelta(days=60)
    stored = json.dumps(list(DeletionRecord.objects.values()), default=str)
    assert PLATE not in stored and str(case.event_id) not in stored


def test_the_retention_command_prints_the_contract_summary_and_a_dry_run_deletes_nothing(
    evidence_storage: Any,
) -> None:
    kept = _case(ViolationStatus.REJECTED, evidence_storage)
    out = StringIO()
    call_command("retention", "--as-of", "2027-03-20", "--dry-run", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary == {"due": {"rejected_evidence": 1}, "purged": {}, "held": 0, "overdue": 1}
    assert evidence_storage.exists(f"{kept.evidence_dir}/01_entry.jpg")
    out = StringIO()
    call_command("retention", "--as-of", "2027-03-20", stdout=out)
    assert json.loads(out.getvalue())["purged"] == {"rejected_evidence": 1}


def test_a_mistyped_date_is_refused_with_the_format() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("retention", "--as-of", "20-03-2027")


def _closed(storage: Any, closed: dt.datetime) -> Violation:
    from enforcement.models import OwnerRecord

    case = _case(ViolationStatus.CLOSED, storage)
    Violation.objects.filter(pk=case.pk).update(closed_at=closed)
    OwnerRecord.objects.create(
        violation=case, source="test", plate=PLATE, name="Rosa Quintero",
        address="12 Oak St", email="rq@example.org", looked_up_at=RECEIVED,
    )  # fmt: skip
    case.refresh_from_db()
    return case


def test_a_closed_case_keeps_its_evidence_60_days_after_closing_then_loses_it_and_the_owner(
    evidence_storage: Any,
) -> None:
    closed = RECEIVED + dt.timedelta(days=40)
    case = _closed(evidence_storage, closed)
    assert retention_purge(closed + dt.timedelta(days=59)).purged == {}
    assert retention_purge(closed + dt.timedelta(days=60)).purged == {"closed_case_evidence": 1}
    assert not evidence_storage.exists(f"{case.evidence_dir}/01_entry.jpg")
    owner = case.owner
    owner.refresh_from_db()
    assert (owner.name, owner.address, owner.email, owner.plate) == ("", "", "", "")


def test_a_closed_case_whose_evidence_an_open_reissued_case_shares_is_kept(
    evidence_storage: Any,
) -> None:
    closed = RECEIVED + dt.timedelta(days=10)
    original = _closed(evidence_storage, closed)
    reissued = _case(ViolationStatus.NOTICE_MAILED, evidence_storage)
    Violation.objects.filter(pk=reissued.pk).update(evidence_dir=original.evidence_dir)
    assert retention_purge(closed + dt.timedelta(days=90)).purged == {}
    assert evidence_storage.exists(f"{original.evidence_dir}/01_entry.jpg")
