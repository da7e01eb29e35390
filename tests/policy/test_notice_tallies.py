"""The dashboard's per-camera daily tallies are counted with each recorded violation and
can be recounted from the audit log, which stays the source of truth."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enforcement.models import Violation, ViolationStatus
from enforcement.services import violation_record
from policy.models import NoticeTally
from policy.services.tallies import notice_tally_add, notice_tally_rebuild
from tests.enforcement.test_record_violation import event
from tests.factories import enforceable_camera

pytestmark = pytest.mark.django_db


def tallies() -> list[tuple[str, str, int, int]]:
    return sorted(NoticeTally.objects.values_list("camera_code", "outcome", "count", "repeat"))


def record_three() -> str:
    camera = enforceable_camera()
    # An earlier warning for the plate: every reading below is a repeat.
    Violation.objects.create(
        camera=camera, measured_at=timezone.now() - dt.timedelta(days=2), speed_kmh=80,
        uncertainty_kmh=1, limit_kmh=50, plate_text="ABC123", status=ViolationStatus.WARNING,
    )  # fmt: skip
    for speed in (80, 85, 55):
        violation_record(event(camera.code, speed=speed))  # unsigned evidence: rejected
    return str(camera.code)


def test_each_recorded_violation_is_counted_by_camera_day_and_outcome() -> None:
    code = record_three()
    assert tallies() == [(code, "rejected", 3, 3)]


def test_a_rebuild_from_the_audit_log_gives_the_same_tallies() -> None:
    record_three()
    before = tallies()
    NoticeTally.objects.all().delete()
    assert notice_tally_rebuild() == 1
    assert tallies() == before


def test_a_second_count_on_the_same_day_adds_to_the_row() -> None:
    day = dt.date(2027, 3, 2)
    notice_tally_add(camera_code="c", day=day, outcome="warning", repeat=False)
    notice_tally_add(camera_code="c", day=day, outcome="warning", repeat=True)
    assert tallies() == [("c", "warning", 2, 1)]
