"""Thin Celery tasks for cameras (scheduled by celery beat, see config/celery.py)."""

from __future__ import annotations

from celery import shared_task

from cameras.services.heartbeat import heartbeat_flag_stale


@shared_task(name="cameras.flag_stale_heartbeats")
def flag_stale_heartbeats() -> list[str]:
    """Mark cameras whose worker stopped reporting; returns the camera codes flagged."""
    return heartbeat_flag_stale()
