"""A real ``manage.py run_camera`` process: privacy of slow vehicles, and a clean SIGTERM."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from cameras.models import Camera, Heartbeat, SelfTest, TrafficCount
from cameras.worker.spool import Spool
from enforcement.models import Violation
from policy.models import AuditEvent
from tests.cameras import procs
from tests.cameras.clips import LONG, SLOW, Clip, render
from tests.factories import enforceable_camera

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.getbasetemp() / "worker-clips"
    out.mkdir(exist_ok=True)
    return out


def _camera(clip: Clip) -> Camera:
    camera = enforceable_camera(source_url=str(clip.video))
    camera.calibrations.update(data=clip.calibration)
    return camera


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_nothing_about_vehicles_under_the_threshold_is_written_anywhere(
    tmp_path: Path, clip_dir: Path
) -> None:
    clip = render(clip_dir, "slow", SLOW)
    camera = _camera(clip)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    procs.filesystem_queue(tmp_path).mkdir(parents=True)
    env = procs.process_env(tmp_path, "filesystem://")
    worker = procs.run_camera(env, log_dir, camera.code, "--source", str(clip.video), "--once")
    assert worker.wait(timeout=120) == 0, worker.tail()
    report = json.loads(worker.output.strip().splitlines()[-1])
    assert report["passages"] >= 2 and report["violations"] == 0

    assert not Violation.objects.exists()
    spool = tmp_path / "spool" / camera.code
    # Only the spool's own (empty) folders and lock: no event, no image, no torn write.
    assert [p.name for p in _files(spool)] == [".lock"]
    assert _files(tmp_path / "evidence") == []
    assert [p for p in _files(procs.filesystem_queue(tmp_path)) if "violations" in p.name] == []
    # Counts are bucketed by wall-clock quarter hour, so a run can straddle two buckets.
    counts = list(TrafficCount.objects.filter(camera=camera))
    assert sum(c.vehicles for c in counts) == report["passages"]
    # every rejected reading is counted under its reason, and only those
    assert sum(report["rejected"].values()) <= report["passages"]
    assert all(isinstance(n, int) and n > 0 for n in report["rejected"].values())
    assert sum(sum(c.speed_histogram.values()) for c in counts) >= 2
    assert all(c.over_limit == 0 for c in counts)
    # Heartbeats carry totals only, and the self-test the worker ran on its first seconds.
    beat = Heartbeat.objects.filter(camera=camera).latest()
    assert beat.status == "stopped" and beat.violations == 0
    selftest = SelfTest.objects.filter(camera=camera).latest("ran_at")
    assert selftest.passed, selftest.reason
    assert report["selftest"]["id"] == beat.details["selftest"]["id"] == selftest.pk
    assert {c["name"] for c in selftest.checks} >= {"frame_rate", "clock_offset"}
    assert AuditEvent.objects.filter(action="selftest.recorded", object_id=str(selftest.pk))


def test_sigterm_stops_reading_keeps_undelivered_events_spooled_and_exits_zero(
    tmp_path: Path, clip_dir: Path
) -> None:
    clip = render(clip_dir, "long", LONG)
    camera = _camera(clip)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    queue = procs.filesystem_queue(tmp_path)
    queue.mkdir(parents=True)
    env = procs.process_env(tmp_path, "filesystem://")
    # No --once: the worker runs as in production, and SIGTERM is what ends it.
    worker = procs.run_camera(
        env,
        log_dir,
        camera.code,
        "--source",
        str(clip.video),
        "--heartbeat-every",
        "0.5",
        "--drain-timeout",
        "1",
    )
    try:
        procs.wait_for(
            lambda: Heartbeat.objects.filter(camera=camera).exists(),
            60,
            "the worker's first heartbeat",
            (worker,),
        )
        queue.rename(tmp_path / "queue.offline")  # the broker is away: nothing can be sent
        procs.wait_for(
            lambda: procs.spool_files(tmp_path, camera.code),
            90,
            "a violation in the spool",
            (worker,),
        )
        worker.signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, worker.tail()
    finally:
        worker.stop()
    report = json.loads(worker.output.strip().splitlines()[-1])
    assert report["frames"] < clip.truth["scene"]["n_frames"], "it should stop reading early"
    assert report["violations"] >= 1 and report["violations_sent"] == 0
    # Consistent: nothing half-written; every violation is a whole, readable pending event
    # that the next start will send.
    spool_dir = tmp_path / "spool" / camera.code
    assert _files(spool_dir / "tmp") == [] and _files(spool_dir / "build") == []
    with Spool(spool_dir) as spool:
        pending = spool.pending()
        assert len(pending) == report["violations"] == report["spool_pending"]
        assert all(spool.message(entry)["package_b64"] for entry in pending)
        # each says what measured it
        assert all(e.payload["worker"]["described"].startswith("motion (MOG2") for e in pending)
        assert spool.size().rejected == 0
    beats = Heartbeat.objects.filter(camera=camera).order_by("received_at")
    assert [b.status for b in beats][-2:] == ["draining", "stopped"]
    assert beats.last().spool_events == report["violations"]
    assert TrafficCount.objects.filter(camera=camera).exists()  # counts were flushed
