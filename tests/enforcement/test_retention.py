from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone

from enforcement.models import Violation, ViolationStatus
from enforcement.retention import retention_purge
from enforcement.tasks import retention_purge_task
from policy.models import AuditEvent
from tests.factories import CameraFactory

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


@pytest.fixture
def evidence_storage(settings: Settings, tmp_path: Path) -> Storage:
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
        },
    }
    return storages["evidence"]


def _violation(status: str, age_days: float, storage: Storage) -> Violation:
    camera = CameraFactory()
    event_id = uuid.uuid4()
    folder = f"{camera.code}/{event_id}"
    storage.save(f"{folder}/01_entry.jpg", ContentFile(b"jpeg"))
    storage.save(f"{folder}/manifest.json", ContentFile(b"{}"))
    violation = Violation.objects.create(
        event_id=event_id,
        camera=camera,
        measured_at=timezone.now(),
        speed_kmh=70,
        uncertainty_kmh=1,
        limit_kmh=50,
        plate_text="ABC123",
        evidence_dir=folder,
        status=status,
        status_reason="test",
    )
    Violation.objects.filter(pk=violation.pk).update(
        received_at=timezone.now() - dt.timedelta(days=age_days)
    )
    violation.refresh_from_db()
    return violation


@pytest.mark.django_db
def test_evidence_of_an_old_rejected_reading_is_deleted_and_audited(
    evidence_storage: Storage,
) -> None:
    violation = _violation(ViolationStatus.REJECTED, age_days=6, storage=evidence_storage)
    report = retention_purge()
    violation.refresh_from_db()
    assert report.violations_purged == 1 and report.files_deleted == 2
    assert not evidence_storage.exists(f"{violation.evidence_dir}/01_entry.jpg")
    assert violation.evidence_purged_at is not None and violation.plate_text == ""
    assert AuditEvent.objects.filter(action="evidence.purged", object_id=str(violation.pk)).exists()


@pytest.mark.django_db
def test_recent_rejections_and_cases_under_review_are_kept(evidence_storage: Storage) -> None:
    recent = _violation(ViolationStatus.REJECTED, age_days=2, storage=evidence_storage)
    in_review = _violation(ViolationStatus.AWAITING_REVIEW, age_days=30, storage=evidence_storage)
    assert retention_purge().violations_purged == 0
    for violation in (recent, in_review):
        assert evidence_storage.exists(f"{violation.evidence_dir}/01_entry.jpg")


@pytest.mark.django_db
def test_a_second_purge_does_nothing_more(evidence_storage: Storage) -> None:
    _violation(ViolationStatus.REJECTED, age_days=10, storage=evidence_storage)
    retention_purge()
    assert retention_purge().violations_purged == 0


@pytest.mark.django_db
def test_stale_uploads_in_incoming_are_removed(evidence_storage: Storage) -> None:
    old = evidence_storage.save("incoming/cam-1/old.zip", ContentFile(b"zip"))
    fresh = evidence_storage.save("incoming/cam-1/fresh.zip", ContentFile(b"zip"))
    two_days_ago = time.time() - 2 * 86400
    os.utime(evidence_storage.path(old), (two_days_ago, two_days_ago))
    assert retention_purge().incoming_deleted == 1
    assert not evidence_storage.exists(old) and evidence_storage.exists(fresh)


@pytest.mark.django_db
def test_the_beat_task_runs_the_purge(evidence_storage: Storage) -> None:
    _violation(ViolationStatus.REJECTED, age_days=6, storage=evidence_storage)
    assert retention_purge_task.apply().get()["violations_purged"] == 1
