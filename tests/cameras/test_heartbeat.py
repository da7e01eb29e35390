"""Heartbeats are recorded, silent workers are flagged once, queue depth is readable."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cameras.models import Heartbeat
from cameras.services.counts import traffic_count_add
from cameras.services.heartbeat import heartbeat_flag_stale, heartbeat_record, queue_depth
from cameras.tasks import flag_stale_heartbeats
from policy.models import AuditEvent
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_a_heartbeat_keeps_what_the_worker_reported() -> None:
    camera = CameraFactory()
    beat = heartbeat_record(
        camera,
        worker_id="edge-1:42",
        fps=29.7,
        lag_s=0.4,
        passages=12,
        violations=2,
        spool_events=1,
        spool_bytes=90_000,
        status="running",
        details={"queue_depth": 3},
    )
    assert Heartbeat.objects.get() == beat
    assert (beat.fps, beat.spool_events, beat.details["queue_depth"]) == (29.7, 1, 3)


def test_a_silent_worker_is_flagged_once_and_audited() -> None:
    camera = CameraFactory()
    old = timezone.now() - timedelta(minutes=5)
    heartbeat_record(camera, worker_id="w", received_at=old)
    assert flag_stale_heartbeats.apply().get() == [camera.code]
    beat = Heartbeat.objects.get()
    assert beat.status == "stale" and beat.received_at == old  # the last time it was heard
    assert heartbeat_flag_stale() == []  # not again for the same silence
    assert AuditEvent.objects.filter(action="camera.heartbeat_stale").count() == 1


def test_fresh_stopped_and_silent_cameras_are_told_apart() -> None:
    fresh, stopped, never = CameraFactory(), CameraFactory(), CameraFactory()
    heartbeat_record(fresh, worker_id="w")
    heartbeat_record(
        stopped, worker_id="w", status="stopped", received_at=timezone.now() - timedelta(hours=1)
    )
    assert heartbeat_flag_stale() == []
    assert not never.heartbeats.exists()


def test_queue_depth_counts_the_on_disk_brokers_message_files(
    settings: Any, tmp_path: Path
) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    for i in range(3):
        (tmp_path / f"{i}_abc.violations.msg").write_text("{}")
    (tmp_path / "9_abc.maintenance.msg").write_text("{}")
    assert queue_depth("violations") == 3
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    assert queue_depth("violations") is None  # unknown, not zero


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_queue_depth_is_the_redis_list_length(settings: Any) -> None:
    import redis

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/14"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("violations")
    client.rpush("violations", "a", "b")
    try:
        assert queue_depth("violations") == 2
    finally:
        client.delete("violations")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert queue_depth("violations") is None


def test_counts_merge_into_one_row_per_interval() -> None:
    camera = CameraFactory()
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    traffic_count_add(
        camera, interval_start=start, vehicles=2, over_limit=1, histogram={"45": 1, "55": 1}
    )
    row = traffic_count_add(
        camera, interval_start=start, vehicles=1, over_limit=0, histogram={"45": 1}
    )
    assert (row.vehicles, row.over_limit, row.speed_histogram) == (3, 1, {"45": 2, "55": 1})
    with pytest.raises(ValueError):
        traffic_count_add(camera, interval_start=start, vehicles=1, over_limit=2, histogram={})
