"""Thin Celery tasks: take JSON, call a service, retry only on transient errors."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from cameras.vision.event import RECORD_VIOLATION_TASK
from enforcement.retention import retention_purge
from enforcement.services import violation_record
from enforcement.services_dead_letters import (
    TRANSIENT_ERRORS,
    dead_letter_record,
    describe_error,
)


@shared_task(
    name=RECORD_VIOLATION_TASK,
    bind=True,
    acks_late=True,
    # Only these are retried (database locked or gone, storage or broker gone); the
    # event waits in the broker meanwhile and the camera keeps it until a receipt.
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=None,
)
def record_violation(self: Any, event: dict[str, Any]) -> str:
    try:
        violation, created = violation_record(event)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # anything else would never succeed as it is: keep it
        error_type, error = describe_error(exc)
        letter = dead_letter_record(event, error_type, error)
        return f"dead letter {letter.pk}: {error_type}: {error}"
    return f"{violation.event_id} {'created' if created else 'duplicate'} {violation.status}"


@shared_task(name="enforcement.retention_purge", acks_late=True)
def retention_purge_task() -> dict[str, object]:
    report = retention_purge()
    return {
        **report.as_json(),
        "violations_purged": report.violations_purged,
        "files_deleted": report.files_deleted,
        "incoming_deleted": report.incoming_deleted,
    }


@shared_task(name="enforcement.notices_sweep", acks_late=True)
def notices_sweep_task() -> dict[str, int]:
    from enforcement.cases.mailing import notices_sweep
    from enforcement.portal.nomination_sweep import nominations_sweep

    return {**asdict(notices_sweep()), "nominations_unanswered": nominations_sweep()}


@shared_task(name="enforcement.portal_reminders", acks_late=True)
def portal_reminders_task() -> int:
    from enforcement.portal.reminders import reminders_send

    return reminders_send()
