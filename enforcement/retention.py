"""Retention: nothing is kept longer than the jurisdiction's policy says."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from enforcement.models import Violation, ViolationStatus
from policy.audit import audit_record
from policy.presets import preset_for

log = logging.getLogger(__name__)

# Packages uploaded by camera workers wait in incoming/ only until their task has run.
INCOMING_MAX_AGE = dt.timedelta(days=1)


@dataclass
class PurgeReport:
    violations_purged: int = 0
    files_deleted: int = 0
    incoming_deleted: int = 0


def _delete_tree(storage: Storage, prefix: str) -> int:
    dirs, files = storage.listdir(prefix)
    count = 0
    for name in files:
        storage.delete(f"{prefix}/{name}")
        count += 1
    for sub in dirs:
        count += _delete_tree(storage, f"{prefix}/{sub}")
    return count


def _purge_incoming(storage: Storage, now: dt.datetime) -> int:
    if not storage.exists("incoming"):
        return 0
    deleted = 0
    camera_dirs, _ = storage.listdir("incoming")
    for camera_dir in camera_dirs:
        _, names = storage.listdir(f"incoming/{camera_dir}")
        for name in names:
            path = f"incoming/{camera_dir}/{name}"
            if now - storage.get_modified_time(path) > INCOMING_MAX_AGE:
                storage.delete(path)
                deleted += 1
    return deleted


def retention_purge(now: dt.datetime | None = None) -> PurgeReport:
    """Delete evidence of rejected readings past their preset's window, and stale uploads."""
    now = now or timezone.now()
    storage = storages["evidence"]
    report = PurgeReport()
    candidates = Violation.objects.filter(
        status=ViolationStatus.REJECTED, evidence_purged_at__isnull=True
    ).select_related("camera__site")
    for violation in candidates.iterator():
        keep_days = preset_for(violation.camera.site.jurisdiction).rejected_evidence_days
        if now - violation.received_at < dt.timedelta(days=keep_days):
            continue
        with transaction.atomic():
            files = 0
            if violation.evidence_dir and storage.exists(violation.evidence_dir):
                files = _delete_tree(storage, violation.evidence_dir)
            violation.evidence_purged_at = now
            violation.plate_text = ""  # the plate of a non-ticketable reading is not kept
            violation.save(update_fields=["evidence_purged_at", "plate_text"])
            audit_record(
                actor=None,
                actor_label="retention",
                action="evidence.purged",
                obj=violation,
                reason=f"rejected reading older than {keep_days} days",
                details={"files_deleted": files},
            )
        report.violations_purged += 1
        report.files_deleted += files
    report.incoming_deleted = _purge_incoming(storage, now)
    log.info("retention purge: %s", report)
    return report
