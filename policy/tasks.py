"""Thin Celery tasks of the policy layer."""

from __future__ import annotations

from celery import shared_task

from policy.checkpoints import checkpoint_write


@shared_task(name="policy.audit_checkpoint", acks_late=True)
def audit_checkpoint_task() -> int | None:
    """Sign the audit chain's head; returns the last event id it covers."""
    checkpoint = checkpoint_write()
    return checkpoint.last_id if checkpoint else None
