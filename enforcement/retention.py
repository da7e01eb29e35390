"""Retention: nothing is kept longer than the jurisdiction's policy says.

For each kind of record (``retention_kinds``), records whose period has run out are
purged in batches, one transaction per batch: for each record, stored files deleted and
checked gone, the row marked, a deletion-log row and an audit event written. A purge
killed halfway leaves every record's row either untouched or done, and the next run
finishes the rest; running it twice purges nothing twice. A case under an active legal
hold is never purged.

A record's period is the one set by the rule-set version that judged its case
(``Violation.ruleset_version``); a case with no recorded version, or one naming a
version the jurisdiction no longer has, is served by the version in force now, and the
deletion log says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from enforcement.models import DeletionRecord, LegalHold, Violation
from enforcement.retention_kinds import DEFAULT_PERIODS, KINDS, Period, RecordKind
from policy.audit import audit_record
from policy.selectors import rulebook_for

log = logging.getLogger(__name__)

# Packages uploaded by camera workers wait in incoming/ only until their task has run.
INCOMING_MAX_AGE = dt.timedelta(days=1)
# A record not purged this long after it fell due is overdue: an alarm on /healthz.
OVERDUE_GRACE = dt.timedelta(days=1)
# Records purged in one transaction: one commit (one fsync) per batch, not per record.
# A batch cut short rolls back whole; its files already deleted are found gone, and the
# record is marked, on the next run.
BATCH = 200


@dataclass
class PurgeReport:
    due: Counter[str] = field(default_factory=Counter)
    purged: Counter[str] = field(default_factory=Counter)
    held: int = 0
    overdue: int = 0
    files_deleted: int = 0
    incoming_deleted: int = 0

    @property
    def violations_purged(self) -> int:
        return sum(self.purged.values())

    def as_json(self) -> dict[str, object]:
        """The retention command's summary (ARCHITECTURE.md's contract)."""
        return {
            "due": dict(self.due),
            "purged": dict(self.purged),
            "held": self.held,
            "overdue": self.overdue,
        }


# Which of a rule set's retention kinds sets each kind of record's period, first match.
RULESET_KINDS: dict[str, tuple[str, ...]] = {
    "rejected_evidence": ("rejected_evidence", "non_violation"),
    "warning_evidence": ("violation_images",),
    "closed_case_evidence": ("violation_images",),
    "dismissed_evidence": ("non_violation",),
    "contest_documents": ("resident_uploads", "administrative"),
    "relief_documents": ("resident_uploads", "administrative"),
    "payment_records": ("payment_records", "administrative"),
    "administrative_records": ("administrative",),
}


def retention_period(jurisdiction: str, kind: str, version: str = "") -> tuple[Period, str]:
    """The period of ``kind`` under ``version`` of the jurisdiction's rule set (the
    city's stored versions, else the repository's preset), and the version's name as the
    deletion log records it. Without a version, or with one the jurisdiction does not
    have, the version in force now serves, and the name says so. The default applies
    where the rule set names no period for the kind."""
    book = rulebook_for(jurisdiction)
    compiled = next((c for c in book.versions if version and c.ruleset.version == version), None)
    ruleset = (compiled or book.latest).ruleset
    label = f"{ruleset.code} {ruleset.version}"
    if compiled is None and version:
        label += f" (in force now; {version} not found)"
    elif compiled is None:
        label += " (in force now; no version recorded)"
    for name in RULESET_KINDS[kind]:
        rule = next((r for r in ruleset.retention if r.kind == name), None)
        if rule is not None:
            flag = " (unverified)" if rule.unverified else ""
            return Period(rule.days, f"{rule.source}{flag}"), label
    return DEFAULT_PERIODS[kind], label


def _unheld(kind: RecordKind, records: QuerySet[Any]) -> QuerySet[Any]:
    held = LegalHold.objects.filter(released_at__isnull=True).values("violation_id")
    return records.exclude(**{f"{kind.case}__in" if kind.case else "pk__in": held})


def _due(kind: RecordKind, as_of: dt.datetime) -> list[tuple[QuerySet[Any], Period, str]]:
    """Per jurisdiction and the rule-set version that judged the case: the records of
    ``kind`` whose period ran out by ``as_of``."""
    out = []
    jurisdiction_of = kind.on_case("camera__site__jurisdiction")
    version_of = kind.on_case("ruleset_version")
    records = kind.candidates().annotate(
        retention_start=F(kind.start_field), retention_case=F(kind.on_case("id"))
    )
    groups = set(records.order_by().values_list(jurisdiction_of, version_of).distinct())
    for jurisdiction, version in sorted(groups):
        period, ruleset = retention_period(jurisdiction, kind.key, version)
        cutoff = as_of - dt.timedelta(days=period.days)
        due = records.filter(
            **{jurisdiction_of: jurisdiction, version_of: version},
            **{f"{kind.start_field}__lte": cutoff},
        )
        out.append((due, period, ruleset))
    return out


def _purge_one(
    kind: RecordKind, record: Any, period: Period, ruleset: str, storage: Storage
) -> int:
    now = timezone.now()
    object_type, object_id = record._meta.label_lower, str(record.pk)
    case = Violation(pk=record.retention_case)  # the audit event names the case
    with transaction.atomic(savepoint=False):
        files = kind.purge(record, storage, now)
        DeletionRecord.objects.create(
            kind=kind.key,
            object_type=object_type,
            object_id=object_id,
            case_id=case.pk,
            rule=f"{period.days} days: {period.rule}"[:300],
            ruleset=ruleset[:80],
            due_at=record.retention_start + dt.timedelta(days=period.days),
            purged_at=now,
            files_deleted=files,
        )
        audit_record(
            actor=None,
            actor_label="retention",
            action=kind.action,
            obj=case,
            reason=f"{kind.label}: older than {period.days} days ({ruleset})",
            details={
                "kind": kind.key,
                "record": f"{object_type}:{object_id}",
                "files_deleted": files,
            },
        )
    return files


def _run_kind(kind: RecordKind, as_of: dt.datetime, dry_run: bool, report: PurgeReport) -> None:
    storage = storages[kind.storage]
    for due, period, ruleset in _due(kind, as_of):
        report.held += due.count() - _unheld(kind, due).count()
        due = _unheld(kind, due)
        report.due[kind.key] += due.count()
        cutoff = as_of - dt.timedelta(days=period.days) - OVERDUE_GRACE
        report.overdue += due.filter(**{f"{kind.start_field}__lte": cutoff}).count()
        if dry_run:
            continue
        last_pk = 0
        while batch := list(due.filter(pk__gt=last_pk).order_by("pk")[:BATCH]):
            last_pk = batch[-1].pk  # before the purge: a purged upload's row is gone
            with transaction.atomic():
                files = sum(_purge_one(kind, r, period, ruleset, storage) for r in batch)
            report.files_deleted += files
            report.purged[kind.key] += len(batch)


def _purge_incoming(storage: Storage, now: dt.datetime, dry_run: bool) -> int:
    if not storage.exists("incoming"):
        return 0
    deleted = 0
    camera_dirs, _ = storage.listdir("incoming")
    for camera_dir in camera_dirs:
        _, names = storage.listdir(f"incoming/{camera_dir}")
        for name in names:
            path = f"incoming/{camera_dir}/{name}"
            if now - storage.get_modified_time(path) > INCOMING_MAX_AGE:
                if not dry_run:
                    storage.delete(path)
                deleted += 1
    return deleted


def retention_purge(now: dt.datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Purge (or, dry, count) every record past its period as of ``now``."""
    as_of = now or timezone.now()
    report = PurgeReport()
    for kind in KINDS:
        _run_kind(kind, as_of, dry_run, report)
    report.incoming_deleted = _purge_incoming(storages["evidence"], as_of, dry_run)
    if report.overdue and not dry_run:
        # Overdue records were just purged; what stays overdue is what a run could not do.
        report.overdue = retention_purge(as_of, dry_run=True).overdue
    log.info("retention purge%s: %s", " (dry run)" if dry_run else "", report.as_json())
    return report
