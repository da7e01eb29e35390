from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from policy.retention import retention_purge


@shared_task(name="policy.retention_purge", acks_late=True)
def retention_purge_task() -> dict[str, int]:
    return asdict(retention_purge())
