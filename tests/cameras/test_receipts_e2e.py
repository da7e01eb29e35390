"""With real processes: a Redis without persistence restarted while violations are in
flight loses its queue; the camera resends what has no receipt and every violation is
stored exactly once."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from cameras.models import Camera, DeliveryReceipt, Heartbeat
from config.health import broker_durability
from enforcement.models import DeadLetter, Violation
from tests.cameras import procs
from tests.cameras.clips import MIXED, Clip, render
from tests.factories import enforceable_camera

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not procs.redis_available(), reason="redis-server not installed"),
]


@pytest.fixture(scope="session")
def mixed_clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    out = tmp_path_factory.getbasetemp() / "worker-clips"
    out.mkdir(exist_ok=True)
    return render(out, "mixed", MIXED)


def _camera(clip: Clip) -> Camera:
    camera = enforceable_camera(source_url=str(clip.video))
    camera.calibrations.update(data=clip.calibration)
    return camera


def test_violations_lost_by_a_restarted_redis_are_resent_and_stored_once(
    tmp_path: Path, mixed_clip: Clip
) -> None:
    camera = _camera(mixed_clip)
    port = procs.free_port()
    url = f"redis://127.0.0.1:{port}/0"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = procs.process_env(tmp_path, url, FAIRSPEED_RECEIPT_TIMEOUT_S="5")
    with ExitStack() as stack:
        redis = stack.enter_context(procs.redis_server(port, logs))
        assert broker_durability(url)["durable"] is False
        worker = procs.run_camera(
            env, logs, camera.code, "--source", str(mixed_clip.video), "--once",
            "--heartbeat-every", "1", "--drain-timeout", "120", "--reconnect-base", "0.2",
        )  # fmt: skip
        stack.callback(worker.stop)
        # No Celery worker yet: both violations sit in Redis, the camera awaits receipts.
        procs.wait_for(
            lambda: len(procs.spool_files(tmp_path, camera.code, "awaiting")) == 2,
            120,
            "both speeders published and awaiting a receipt",
            (worker,),
        )
        assert procs.spool_files(tmp_path, camera.code) == []
        redis.stop()  # no persistence: the queue is gone
        stack.enter_context(procs.redis_server(port, logs))
        celery = procs.celery_worker(env, logs)
        stack.callback(celery.stop)
        assert worker.wait(timeout=150) == 0, worker.tail() + celery.tail()
        celery.stop()
    violations = Violation.objects.filter(camera=camera)
    assert violations.count() == 2
    assert len({v.event_id for v in violations}) == 2
    assert all(v.evidence_verified for v in violations)
    assert not DeadLetter.objects.exists()
    assert DeliveryReceipt.objects.filter(camera_code=camera.code, outcome="stored").count() == 2
    assert procs.spool_files(tmp_path, camera.code, "awaiting") == []
    assert len(procs.spool_files(tmp_path, camera.code, "sent")) == 2
    assert "no receipt in time: sending them again" in worker.output
    beat = Heartbeat.objects.filter(camera=camera).latest()
    assert beat.details["spool"]["awaiting"] == 0


def test_the_health_page_says_whether_redis_keeps_its_queue(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for extra, durable in (((), False), (("--appendonly", "yes", "--dir", str(tmp_path)), True)):
        port = procs.free_port()
        with procs.redis_server(port, logs, *extra):
            assert broker_durability(f"redis://127.0.0.1:{port}/0")["durable"] is durable
