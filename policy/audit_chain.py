"""Verifying the audit log: every link of the hash chain, and the chain against the
signed checkpoints kept outside the database (``policy.checkpoints``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from policy.audit import GENESIS, audit_digest
from policy.checkpoints import Checkpoint, CheckpointError, checkpoints_read
from policy.models import AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # the first event named as wrong (or missing)
    problem: str
    checkpoints: int = 0  # signed checkpoints the chain was compared with
    from_id: int = 0  # verification started after this event (0: the whole chain)

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass
class _Walk:
    checked: int = 0
    last_id: int = 0
    broken_at: int | None = None
    problem: str = ""


def _walk(events: Iterable[AuditEvent], prev: str, seen: dict[int, tuple[int, str]]) -> _Walk:
    """Check each link and digest; remember (position, hash) of the ids in ``seen``."""
    walk = _Walk()
    for event in events:
        if event.prev_hash != prev:
            walk.broken_at, walk.problem = event.pk, "previous-hash link broken (row removed?)"
            return walk
        if audit_digest(event) != event.hash:
            walk.broken_at, walk.problem = event.pk, "content does not match its hash (row edited?)"
            return walk
        walk.checked += 1
        walk.last_id = event.pk
        if event.pk in seen:
            seen[event.pk] = (walk.checked, event.hash)
        prev = event.hash
    return walk


def _against_checkpoints(
    checkpoints: list[Checkpoint], seen: dict[int, tuple[int, str]], walk: _Walk
) -> tuple[int | None, str]:
    previous_id = 0
    for cp in checkpoints:
        found = seen.get(cp.last_id)
        if found is None or found[0] == 0:
            return cp.last_id, (
                f"event #{cp.last_id} is missing, but the signed checkpoint of {cp.at} covers "
                f"{cp.count} events up to it; the log now ends at #{walk.last_id} "
                f"({walk.checked} events): its tail was removed"
            )
        position, head = found
        if head != cp.head or position != cp.count:
            return cp.last_id, (
                f"the chain differs from the signed checkpoint of {cp.at} "
                f"({cp.count} events up to #{cp.last_id}): it was rewritten after event "
                f"#{previous_id} and up to #{cp.last_id}"
            )
        previous_id = cp.last_id
    return None, ""


def audit_verify() -> ChainReport:
    """Walk the whole chain, then compare it with every signed checkpoint."""
    try:
        checkpoints = checkpoints_read()
    except CheckpointError as exc:
        return ChainReport(0, None, f"checkpoints unusable: {exc}")
    seen: dict[int, tuple[int, str]] = {cp.last_id: (0, "") for cp in checkpoints}
    walk = _walk(AuditEvent.objects.order_by("id").iterator(chunk_size=2000), GENESIS, seen)
    if walk.problem:
        return ChainReport(walk.checked, walk.broken_at, walk.problem, len(checkpoints))
    broken_at, problem = _against_checkpoints(checkpoints, seen, walk)
    return ChainReport(walk.checked, broken_at, problem, len(checkpoints))


def audit_verify_recent() -> ChainReport:
    """Verify from the newest signed checkpoint on (the audit page's check): its head
    must still be in the database, unchanged, then every later link is walked."""
    try:
        checkpoints = checkpoints_read()
    except CheckpointError as exc:
        return ChainReport(0, None, f"checkpoints unusable: {exc}")
    if not checkpoints:
        return audit_verify()
    cp = checkpoints[-1]
    head = AuditEvent.objects.filter(pk=cp.last_id).only("hash").first()
    count = AuditEvent.objects.filter(pk__lte=cp.last_id).count()
    if head is None or head.hash != cp.head or count != cp.count:
        return audit_verify()  # name the break exactly
    later = AuditEvent.objects.filter(pk__gt=cp.last_id).order_by("id").iterator(chunk_size=2000)
    walk = _walk(later, cp.head, {})
    return ChainReport(walk.checked, walk.broken_at, walk.problem, 1, from_id=cp.last_id)
