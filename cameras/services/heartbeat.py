"""Camera worker heartbeats: recording them, flagging silent workers, broker queue depth.

A worker reports every few seconds (frames per second, lag behind live, passages,
violations, what waits in its spool). The health page reads the latest row per camera;
``heartbeat_flag_stale`` (run by celery beat) marks cameras whose worker went quiet, once
per silence, with an audit event, so an operator sees it and an auditor can later tell
when the camera was not measuring.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera, Heartbeat
from policy.audit import audit_record

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
STATUS_STALE = "stale"
# Statuses a worker itself reports; "stopped" is a clean exit and is not flagged.
WORKER_STATUSES = ("starting", "running", "reconnecting", "draining", "stopped", "error")


def heartbeat_record(
    camera: Camera,
    *,
    worker_id: str,
    fps: float = 0.0,
    lag_s: float = 0.0,
    passages: int = 0,
    violations: int = 0,
    spool_events: int = 0,
    spool_bytes: int = 0,
    status: str = "running",
    details: dict[str, Any] | None = None,
    received_at: datetime | None = None,
) -> Heartbeat:
    """Store one heartbeat. Counters are totals since the worker started."""
    return Heartbeat.objects.create(
        camera=camera,
        received_at=received_at or timezone.now(),
        worker_id=worker_id[:100],
        fps=max(0.0, float(fps)),
        lag_s=max(0.0, float(lag_s)),
        passages=max(0, int(passages)),
        violations=max(0, int(violations)),
        spool_events=max(0, int(spool_events)),
        spool_bytes=max(0, int(spool_bytes)),
        status=status[:30],
        details=details or {},
    )


def heartbeat_flag_stale(
    now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> list[str]:
    """Mark active cameras whose latest heartbeat is older than ``stale_after``.

    The latest row's status becomes "stale" (its ``received_at`` is kept: it is the last
    time the worker was heard) and one audit event is written per silence. A camera that
    never reported, or whose worker stopped cleanly, is not flagged. Returns the codes.
    """
    now = now or timezone.now()
    flagged: list[str] = []
    for camera in Camera.objects.filter(active=True).order_by("code"):
        beat = camera.heartbeats.order_by("-received_at").first()
        if beat is None or beat.status in (STATUS_STALE, "stopped"):
            continue
        if now - beat.received_at <= stale_after:
            continue
        with transaction.atomic():
            # Another beat process may have flagged it meanwhile: re-read under a lock.
            locked = Heartbeat.objects.select_for_update().get(pk=beat.pk)
            if locked.status == STATUS_STALE:
                continue
            previous = locked.status
            locked.status = STATUS_STALE
            locked.details = {
                **(locked.details or {}),
                "flagged_stale_at": now.isoformat(),
                "status_before_stale": previous,
            }
            locked.save(update_fields=["status", "details"])
            silent_s = (now - locked.received_at).total_seconds()
            audit_record(
                actor=None,
                action="camera.heartbeat_stale",
                obj=camera,
                reason=f"no heartbeat from the worker for {silent_s:.0f} s",
                details={
                    "last_heartbeat": locked.received_at.isoformat(),
                    "worker_id": locked.worker_id,
                },
            )
        log.warning("camera %s: worker silent since %s", camera.code, beat.received_at)
        flagged.append(camera.code)
    return flagged


def queue_depth(queue: str = "violations") -> int | None:
    """Messages waiting in a broker queue, or None when the broker cannot be asked.

    Redis: the list length (kombu keeps a queue as one list). The on-disk transport: the
    message files for that queue in its folder. Other brokers: asked through kombu
    (a passive queue declare).
    """
    url = str(settings.CELERY_BROKER_URL)
    try:
        if url.startswith("filesystem://"):
            folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
            suffix = f".{queue}.msg"
            return sum(1 for name in os.listdir(folder) if name.endswith(suffix))
        if url.startswith(("redis://", "rediss://", "unix://")):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            try:
                return int(client.llen(queue))
            finally:
                client.close()
        from config.celery import app

        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            _, count, _ = conn.default_channel.queue_declare(queue=queue, passive=True)  # type: ignore[attr-defined]
            return int(count)
    except Exception as exc:
        log.debug("queue depth of %s unavailable: %s", queue, exc)
        return None
