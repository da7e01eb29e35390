"""Thin Celery tasks: take JSON, call a service, retry only on transient errors."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.db import OperationalError

from cameras.vision.event import RECORD_VIOLATION_TASK, EventError
from enforcement.retention import retention_purge
from enforcement.services import violation_dead_letter, violation_record

log = logging.getLogger(__name__)


@shared_task(
    name=RECORD_VIOLATION_TASK,
    bind=True,
    acks_late=True,
    # OSError: the evidence storage (disk or S3) is briefly unreachable.
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=None,
)
def record_violation(self: Any, event: dict[str, Any]) -> str:
    try:
        violation, created = violation_record(event)
    except EventError as exc:
        # A malformed event will never succeed: log it loudly instead of retrying forever.
        log.error("rejected malformed violation event %s: %s", event.get("event_id"), exc)
        violation_dead_letter(event, str(exc))
        return f"malformed: {exc}"
    return f"{violation.event_id} {'created' if created else 'duplicate'} {violation.status}"


@shared_task(name="enforcement.retention_purge", acks_late=True)
def retention_purge_task() -> dict[str, int]:
    return asdict(retention_purge())


@shared_task(name="enforcement.notices_sweep", acks_late=True)
def notices_sweep_task() -> dict[str, int]:
    from enforcement.cases.mailing import notices_sweep

    return asdict(notices_sweep())


@shared_task(name="enforcement.portal_reminders", acks_late=True)
def portal_reminders_task() -> int:
    from enforcement.portal.reminders import reminders_send

    return reminders_send()
