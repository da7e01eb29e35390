"""Signed checkpoints of the chain's head, kept outside the database, let audit_verify
detect what the chain alone cannot: a removed tail, or a chain rewritten end to end with
every hash recomputed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from policy.audit import GENESIS, audit_digest, audit_record
from policy.audit_chain import audit_verify, audit_verify_recent
from policy.checkpoints import checkpoint_write, checkpoints_read
from policy.models import AuditEvent
from tests.policy.tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_files(settings: Any, tmp_path: Path) -> Path:
    settings.FAIRSPEED = {
        **settings.FAIRSPEED,
        "AUDIT_CHECKPOINT_KEY": str(tmp_path / "keys" / "checkpoint.pem"),
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit" / "checkpoints.jsonl"),
    }
    return tmp_path / "audit" / "checkpoints.jsonl"


def _events(n: int, start: int = 0) -> list[AuditEvent]:
    return [audit_record(actor=None, action=f"test.step{i}") for i in range(start, start + n)]


def _rewrite_from(first_id: int) -> None:
    """Rewrite every event from ``first_id`` on and recompute every later hash with the
    project's own digest, as someone with database access and the source code could."""
    previous = AuditEvent.objects.filter(pk__lt=first_id).order_by("-id").first()
    prev = previous.hash if previous else GENESIS
    for event in AuditEvent.objects.filter(pk__gte=first_id).order_by("id"):
        event.reason = "rewritten"
        event.prev_hash = prev
        event.hash = audit_digest(event)
        tamper(
            "UPDATE policy_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            event.reason, event.prev_hash, event.hash, event.pk,
        )  # fmt: skip
        prev = event.hash


def test_a_checkpoint_is_signed_and_appended_to_its_file(checkpoint_files: Path) -> None:
    events = _events(3)
    checkpoint = checkpoint_write()
    assert checkpoint is not None
    assert (checkpoint.count, checkpoint.last_id, checkpoint.head) == (
        3,
        events[-1].pk,
        events[-1].hash,
    )
    line = json.loads(checkpoint_files.read_text().splitlines()[-1])
    assert line["sig"] and checkpoints_read() == [checkpoint]


def test_an_empty_log_writes_no_checkpoint(checkpoint_files: Path) -> None:
    assert checkpoint_write() is None
    assert not checkpoint_files.exists()


def test_an_untouched_chain_matches_its_checkpoints() -> None:
    _events(3)
    checkpoint_write()
    _events(2, start=3)
    checkpoint_write()
    report = audit_verify()
    assert report.ok and report.checked == 5 and report.checkpoints == 2


def test_deleting_the_newest_events_is_detected_against_the_checkpoint() -> None:
    events = _events(5)
    checkpoint_write()
    tamper("DELETE FROM policy_auditevent WHERE id >= %s", events[3].pk)
    report = audit_verify()
    assert not report.ok and report.broken_at == events[-1].pk
    assert "tail was removed" in report.problem


def test_a_removed_tail_followed_by_new_events_is_still_detected() -> None:
    events = _events(4)
    checkpoint_write()
    tamper("DELETE FROM policy_auditevent WHERE id >= %s", events[2].pk)
    _events(3, start=10)  # the chain goes on, correctly linked, from the shortened tail
    report = audit_verify()
    assert not report.ok and report.broken_at == events[-1].pk


def test_a_chain_rewritten_with_recomputed_hashes_is_detected_and_named() -> None:
    events = _events(3)
    checkpoint_write()
    more = _events(3, start=3)
    checkpoint_write()
    _rewrite_from(more[0].pk)
    report = audit_verify()
    assert not report.ok and report.broken_at == more[-1].pk
    assert f"rewritten after event #{events[-1].pk} and up to #{more[-1].pk}" in report.problem


def test_a_forged_checkpoint_line_is_refused(checkpoint_files: Path) -> None:
    _events(2)
    checkpoint_write()
    line = json.loads(checkpoint_files.read_text())
    line["count"] = 1
    checkpoint_files.write_text(json.dumps(line) + "\n")
    report = audit_verify()
    assert not report.ok and "signature does not verify" in report.problem


def test_the_page_check_starts_at_the_newest_checkpoint() -> None:
    events = _events(4)
    checkpoint_write()
    _events(2, start=4)
    report = audit_verify_recent()
    assert report.ok and report.from_id == events[-1].pk and report.checked == 2


def test_the_page_check_names_an_edit_made_after_the_checkpoint() -> None:
    _events(2)
    checkpoint_write()
    later = _events(2, start=2)
    tamper("UPDATE policy_auditevent SET reason = 'x' WHERE id = %s", later[0].pk)
    report = audit_verify_recent()
    assert not report.ok and report.broken_at == later[0].pk


def test_the_verify_command_names_a_removed_tail() -> None:
    events = _events(3)
    call_command("audit_checkpoint")
    call_command("audit_verify")
    tamper("DELETE FROM policy_auditevent WHERE id = %s", events[-1].pk)
    with pytest.raises(CommandError, match="tail was removed"):
        call_command("audit_verify")
