"""End to end with real processes: run_camera -> spool -> broker -> celery -> Violation.

Every violation arrives exactly once with verified evidence although the broker is down
while the camera measures, and although the camera worker is killed mid-clip. Each test
runs on the on-disk broker and, when redis-server is installed, on a Redis it starts.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from cameras.models import Camera, Heartbeat, TrafficCount
from enforcement.models import DeadLetter, Violation
from tests.cameras import procs
from tests.cameras.clips import MIXED, Clip, render
from tests.factories import enforceable_camera

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BROKERS = [
    "filesystem",
    pytest.param(
        "redis",
        marks=pytest.mark.skipif(not procs.redis_available(), reason="redis-server not installed"),
    ),
]


@pytest.fixture(scope="session")
def mixed_clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    out = tmp_path_factory.getbasetemp() / "worker-clips"
    out.mkdir(exist_ok=True)
    return render(out, "mixed", MIXED)


@dataclass
class Broker:
    """A broker the test can take down and bring back."""

    kind: str
    url: str
    tmp: Path
    log_dir: Path
    stack: ExitStack
    port: int = 0

    def down(self) -> None:
        if self.kind == "filesystem":
            # The broker's folder goes away (an unmounted volume): every publish fails.
            procs.filesystem_queue(self.tmp).rename(self.tmp / "queue.offline")
        # Redis is down until up(): nothing listens on its port.

    def up(self) -> None:
        if self.kind == "filesystem":
            (self.tmp / "queue.offline").rename(procs.filesystem_queue(self.tmp))
        else:
            self.stack.enter_context(procs.redis_server(self.port, self.log_dir))


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broker]:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    with ExitStack() as stack:
        if request.param == "filesystem":
            procs.filesystem_queue(tmp_path).mkdir(parents=True)
            yield Broker("filesystem", "filesystem://", tmp_path, log_dir, stack)
        else:
            port = procs.free_port()
            url = f"redis://127.0.0.1:{port}/0"
            yield Broker("redis", url, tmp_path, log_dir, stack, port)


def _camera(clip: Clip) -> Camera:
    camera = enforceable_camera(source_url=str(clip.video))
    camera.calibrations.update(data=clip.calibration)
    return camera


def _assert_every_speeder_arrived_once(camera: Camera, clip: Clip) -> None:
    violations = list(Violation.objects.filter(camera=camera).order_by("measured_at"))
    assert len(violations) == len(clip.speeders) == 2
    for violation, truth_kmh in zip(violations, clip.speeders, strict=True):
        assert violation.evidence_verified, violation.evidence_problems
        assert violation.status == "awaiting_review", violation.status_reason
        assert abs(violation.speed_kmh - truth_kmh) < 0.05 * truth_kmh
        assert violation.evidence_dir == f"{camera.code}/{violation.event_id}"
    assert not DeadLetter.objects.exists()


def _evidence_files(tmp: Path, camera: Camera) -> list[Path]:
    root = tmp / "evidence" / camera.code
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def test_violations_spooled_while_the_broker_is_down_arrive_once_it_is_back(
    broker: Broker, mixed_clip: Clip
) -> None:
    camera = _camera(mixed_clip)
    env = procs.process_env(broker.tmp, broker.url)
    with ExitStack() as stack:
        worker = procs.run_camera(
            env,
            broker.log_dir,
            camera.code,
            "--source",
            str(mixed_clip.video),
            "--once",
            "--heartbeat-every",
            "1",
            "--drain-timeout",
            "120",
            "--reconnect-base",
            "0.2",
        )
        stack.callback(worker.stop)
        # Take the broker down as soon as the worker is up, before the first speeder.
        procs.wait_for(
            lambda: Heartbeat.objects.filter(camera=camera).exists(),
            60,
            "the worker's first heartbeat",
            (worker,),
        )
        broker.down()
        procs.wait_for(
            lambda: len(procs.spool_files(broker.tmp, camera.code)) == 2,
            90,
            "both speeders in the spool",
            (worker,),
        )
        assert worker.popen.poll() is None, "the worker must keep trying, not give up"
        assert not Violation.objects.exists()

        broker.up()
        celery = procs.celery_worker(env, broker.log_dir)
        stack.callback(celery.stop)
        assert worker.wait(timeout=120) == 0, worker.tail()
        procs.wait_for(
            lambda: Violation.objects.filter(camera=camera).count() >= 2,
            60,
            "both violations stored",
            (worker, celery),
        )
        celery.stop()
    _assert_every_speeder_arrived_once(camera, mixed_clip)
    assert procs.spool_files(broker.tmp, camera.code) == []
    assert len(procs.spool_files(broker.tmp, camera.code, "sent")) == 2
    assert "retry in" in worker.output  # it did meet the outage
    assert len(_evidence_files(broker.tmp, camera)) == 2 * 5  # 3 images, manifest, signature
    # Every vehicle is counted, speeders included; nothing else per vehicle is kept.
    assert sum(c.vehicles for c in TrafficCount.objects.filter(camera=camera)) >= 3


def test_a_worker_killed_mid_clip_and_restarted_loses_and_duplicates_nothing(
    broker: Broker, mixed_clip: Clip
) -> None:
    camera = _camera(mixed_clip)
    env = procs.process_env(broker.tmp, broker.url)
    if broker.kind == "redis":
        broker.up()
    args = (
        "--source",
        str(mixed_clip.video),
        "--once",
        "--heartbeat-every",
        "1",
        "--drain-timeout",
        "60",
    )
    with ExitStack() as stack:
        celery = procs.celery_worker(env, broker.log_dir)
        stack.callback(celery.stop)
        first = procs.run_camera(env, broker.log_dir, camera.code, *args)
        stack.callback(first.stop)

        def first_speeder_spooled() -> bool:
            return bool(
                procs.spool_files(broker.tmp, camera.code)
                or procs.spool_files(broker.tmp, camera.code, "sent")
            )

        procs.wait_for(first_speeder_spooled, 90, "the first speeder in the spool", (first,))
        first.signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert first.popen.returncode == -signal.SIGKILL

        again = procs.run_camera(env, broker.log_dir, camera.code, *args)
        stack.callback(again.stop)
        assert again.wait(timeout=120) == 0, again.tail()
        procs.wait_for(
            lambda: Violation.objects.filter(camera=camera).count() >= 2,
            60,
            "both violations stored",
            (again, celery),
        )
        celery.stop()
    _assert_every_speeder_arrived_once(camera, mixed_clip)
    assert procs.spool_files(broker.tmp, camera.code) == []
    assert os.path.isdir(broker.tmp / "spool" / camera.code / "sent")
