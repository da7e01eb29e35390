"""Migration 0015 gives every violation recorded before versions were kept the version
its audit event says judged it, and every deletion-log row of a violation its case."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid

import pytest
from django.apps import apps
from django.utils import timezone

from enforcement.models import DeletionRecord, Violation, ViolationStatus
from policy.audit import audit_record
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "enforcement.migrations.0015_retention_versions_and_resident_records"
)


def _violation() -> Violation:
    return Violation.objects.create(
        event_id=uuid.uuid4(), camera=CameraFactory(), measured_at=timezone.now(),
        speed_kmh=80, uncertainty_kmh=1, limit_kmh=50, status=ViolationStatus.REJECTED,
        status_reason="test",
    )  # fmt: skip


def test_a_violation_gets_the_version_its_recorded_judgement_names() -> None:
    judged, unjudged = _violation(), _violation()
    audit_record(
        actor=None, action="violation.recorded", obj=judged,
        details={"judgement": {"ruleset": "ca-ab645", "version": "2024.1"}},
    )  # fmt: skip
    audit_record(actor=None, action="violation.recorded", obj=unjudged, details={"judgement": None})
    now = timezone.now()
    DeletionRecord.objects.create(
        kind="rejected_evidence", object_type="enforcement.violation", object_id=str(judged.pk),
        rule="5 days", ruleset="ca-ab645 2024.1", due_at=now - dt.timedelta(days=1), purged_at=now,
    )  # fmt: skip
    migration.backfill(apps, None)
    judged.refresh_from_db()
    unjudged.refresh_from_db()
    assert (judged.ruleset_version, unjudged.ruleset_version) == ("2024.1", "")
    assert DeletionRecord.objects.get().case_id == judged.pk
