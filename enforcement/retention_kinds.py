"""The kinds of record retention purges, each with its period and how it is purged.

A kind names the rows it may purge (a queryset of records not yet purged), the path
from a row to its case (a violation: the case's jurisdiction and the rule-set version
that judged it set the period), the date its period counts from, and how one record is
purged. Kinds of record kept for good (aggregate traffic counts, audit events)
are listed so the retention page states it, and have no purge.

Periods come from the jurisdiction's rule set; where a rule set does not set a period
for a kind, ``DEFAULT_PERIODS`` applies. Its values are AB 645's (Cal. Veh. Code
§22426, as summarised in POLICY_ANCHORS.md; the statute's own text is still to be
checked): non-violation data within 5 business days (5 calendar days here, which is
never later), violation images 60 days after final disposition, administrative records
120 days (residents' uploads and payment references are administrative records here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import Storage
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_noop

from enforcement import retention_records as records
from enforcement.models import OwnerRecord, Violation, ViolationStatus


@dataclass(frozen=True)
class Period:
    days: int
    rule: str  # what the rule says and where it comes from, as the deletion log records it


DEFAULT_PERIODS: dict[str, Period] = {
    "rejected_evidence": Period(
        5,
        "evidence of a reading the gate rejected: non-violation data deleted within "
        "5 business days (AB 645, Veh. Code 22426)",
    ),
    "warning_evidence": Period(
        60,
        "evidence of a warning: violation images destroyed 60 days after final "
        "disposition, a warning's being its issue (AB 645, Veh. Code 22426)",
    ),
    "closed_case_evidence": Period(
        60,
        "evidence of a closed case and its owner's name and address: violation images "
        "destroyed 60 days after final disposition (AB 645, Veh. Code 22426)",
    ),
    "dismissed_evidence": Period(
        5,
        "evidence of a reading a reviewer dismissed: not a violation, so non-violation "
        "data, deleted within 5 business days (AB 645, Veh. Code 22426)",
    ),
    "contest_documents": Period(
        120,
        "files a resident sent with a contest: administrative records kept 120 days "
        "after final disposition (AB 645, Veh. Code 22426)",
    ),
    "relief_documents": Period(
        120,
        "files a resident sent with a relief request: administrative records kept 120 "
        "days after final disposition (AB 645, Veh. Code 22426)",
    ),
    "payment_records": Period(
        120,
        "the payment provider's references: administrative records kept 120 days after "
        "final disposition (AB 645, Veh. Code 22426)",
    ),
    "administrative_records": Period(
        120,
        "a closed case's statements, nominated driver and relief details: administrative "
        "records kept 120 days after final disposition (AB 645, Veh. Code 22426)",
    ),
}

# Kept for good, by design: listed on the retention page, never purged.
KEPT: dict[str, str] = {
    "aggregate_counts": "aggregate traffic counts (no vehicle can be told apart)",
    "audit_events": "audit events (the record of who did what; append-only)",
    "deletion_log": "the deletion log itself (it holds no deleted content)",
}


def _delete_tree(storage: Storage, prefix: str) -> int:
    dirs, files = storage.listdir(prefix)
    count = 0
    for name in files:
        storage.delete(f"{prefix}/{name}")
        count += 1
    for sub in dirs:
        count += _delete_tree(storage, f"{prefix}/{sub}")
    return count


def _files_left(storage: Storage, prefix: str) -> bool:
    if not storage.exists(prefix):
        return False
    dirs, files = storage.listdir(prefix)
    return bool(files) or any(_files_left(storage, f"{prefix}/{d}") for d in dirs)


def purge_violation_evidence(violation: Violation, storage: Storage, now: dt.datetime) -> int:
    """Delete a violation's stored evidence files and its plate text; check they are gone."""
    files = 0
    if violation.evidence_dir and storage.exists(violation.evidence_dir):
        files = _delete_tree(storage, violation.evidence_dir)
    if violation.evidence_dir and _files_left(storage, violation.evidence_dir):
        raise OSError(f"evidence of violation {violation.pk} is still in storage after purge")
    violation.evidence_purged_at = now
    violation.plate_text = ""
    violation.save(update_fields=["evidence_purged_at", "plate_text"])
    return files


def purge_closed_case(violation: Violation, storage: Storage, now: dt.datetime) -> int:
    """A closed case keeps its decision and numbers; its stills, plate and the owner's
    name, address and email go."""
    files = purge_violation_evidence(violation, storage, now)
    OwnerRecord.objects.filter(violation=violation).update(name="", address="", email="", plate="")
    return files


def _closed_cases() -> QuerySet[Violation]:
    # A case reissued to a named driver shares its evidence folder with the new case:
    # the folder stays until no open case uses it.
    sharing = (
        Violation.objects.filter(
            evidence_dir=OuterRef("evidence_dir"), evidence_purged_at__isnull=True
        )
        .exclude(pk=OuterRef("pk"))
        .exclude(status=ViolationStatus.CLOSED)
    )
    closed = Violation.objects.filter(
        status=ViolationStatus.CLOSED, closed_at__isnull=False, evidence_purged_at__isnull=True
    )
    return closed.exclude(~Q(evidence_dir="") & Exists(sharing))


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: str  # marked for translation; the page shows it translated
    candidates: Callable[[], QuerySet[Any]]  # records of this kind not yet purged
    start_field: str  # the period counts from this field (a path from the record)
    purge: Callable[[Any, Storage, dt.datetime], int]
    case: str = ""  # the path from a record to its violation; empty: the record is one
    storage: str = "evidence"  # the storage its files are in
    action: str = "evidence.purged"  # the audit event's action

    def on_case(self, field: str) -> str:
        """The path from a record of this kind to ``field`` of its case."""
        return f"{self.case}__{field}" if self.case else field


def _violations_with(status: str) -> Callable[[], QuerySet[Violation]]:
    def candidates() -> QuerySet[Violation]:
        return Violation.objects.filter(status=status, evidence_purged_at__isnull=True)

    return candidates


KINDS: list[RecordKind] = [
    RecordKind(
        "rejected_evidence",
        gettext_noop("Evidence of readings the gate rejected"),
        _violations_with(ViolationStatus.REJECTED),
        "received_at",
        purge_violation_evidence,
    ),
    RecordKind(
        "warning_evidence",
        gettext_noop("Evidence of warnings"),
        _violations_with(ViolationStatus.WARNING),
        "received_at",
        purge_violation_evidence,
    ),
    RecordKind(
        "closed_case_evidence",
        gettext_noop("Evidence and owner details of closed cases"),
        _closed_cases,
        "closed_at",
        purge_closed_case,
    ),
    RecordKind(
        "dismissed_evidence",
        gettext_noop("Evidence of readings a reviewer dismissed"),
        _violations_with(ViolationStatus.DISMISSED),
        "received_at",
        purge_violation_evidence,
    ),
    RecordKind(
        "contest_documents",
        gettext_noop("Files residents sent with a contest"),
        records.contest_documents,
        f"{records.CONTEST_CASE}__closed_at",
        records.purge_document,
        case=records.CONTEST_CASE,
        storage="portal",
        action="upload.purged",
    ),
    RecordKind(
        "relief_documents",
        gettext_noop("Files residents sent with a relief request"),
        records.relief_documents,
        f"{records.RELIEF_CASE}__closed_at",
        records.purge_document,
        case=records.RELIEF_CASE,
        storage="portal",
        action="upload.purged",
    ),
    RecordKind(
        "payment_records",
        gettext_noop("Payment provider references of closed cases"),
        records.cases_with_payments,
        "closed_at",
        records.purge_payment_records,
        action="payment_records.purged",
    ),
    RecordKind(
        "administrative_records",
        gettext_noop("Statements, nominated drivers and relief details of closed cases"),
        records.cases_with_admin_records,
        "closed_at",
        records.purge_admin_records,
        action="administrative_records.purged",
    ),
]
