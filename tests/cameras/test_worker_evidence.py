"""Evidence is built on its own thread: the frame loop keeps reading, waits only when the
queue is full (and says so), a stop drains the queue, and one vehicle is one passage."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cameras.vision.evidence.package import make_event_id
from cameras.vision.measure.calibration import Calibration
from cameras.vision.measure.departure import zone_test
from cameras.vision.measure.pipeline import MeasurementPipeline
from cameras.vision.measure.source import Frame
from cameras.vision.measure.speed import Passage
from cameras.worker.builder import evidence_frames
from cameras.worker.loop import CameraWorker
from cameras.worker.ring import HeldFrame
from cameras.worker.violation import ViolationDraft, utc_at
from tests.cameras.test_worker_loop import FakePipeline, FakeSource, _passage, _worker
from tests.vision.test_departure import (
    AWAY,
    CAM,
    SCENE,
    Reversing,
    ScriptedDetector,
    last_zone_frame,
)


class SlowBuilds:
    """make_violation that holds every build until ``release`` (a slow box, on demand)."""

    def __init__(self, fail_track: int | None = None) -> None:
        self.gate = threading.Event()
        self.started = 0
        self.fail_track = fail_track

    def release(self) -> None:
        self.gate.set()

    def __call__(self, passage: Passage, held: list[HeldFrame], start: datetime) -> ViolationDraft:
        self.started += 1
        assert self.gate.wait(30), "the test never released the build"
        if passage.track_id == self.fail_track:
            raise RuntimeError("JPEG encoding failed")
        return ViolationDraft(f"ev-{passage.track_id}", {"track": passage.track_id}, b"pkg")


def _speeders(*frames: int) -> FakePipeline:
    return FakePipeline({f: [_passage(track_id=f, speed=90.0)] for f in frames})


def _run_in_thread(worker: CameraWorker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return thread


def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_loop_keeps_reading_while_evidence_is_built(tmp_path: Path) -> None:
    builds = SlowBuilds()
    worker, _ = _worker(tmp_path, [FakeSource(50)], live=False, pipelines=[_speeders(2, 4, 6)],
                        make_violation=builds, evidence_queue=4)  # fmt: skip
    thread = _run_in_thread(worker)
    _until(lambda: worker.stats.frames == 50)  # every frame read while no build finished
    assert worker.builder.spooled == 0 and worker.builder.pending == 3
    assert worker.builder.waits == 0
    builds.release()
    thread.join(10)
    assert worker.builder.spooled == 3 and worker.parts.spool.size().pending == 3
    assert len(worker.ring) == 0  # the violators' frames left the ring with the jobs


def test_a_full_queue_makes_the_loop_wait_and_the_heartbeat_says_so(tmp_path: Path) -> None:
    builds = SlowBuilds()
    worker, beats = _worker(tmp_path, [FakeSource(50)], live=False,
                            pipelines=[_speeders(2, 4, 6)], make_violation=builds,
                            evidence_queue=1)  # fmt: skip
    thread = _run_in_thread(worker)
    # One job is being built and one waits: the third speeder holds the loop at frame 6.
    _until(lambda: builds.started == 1 and worker.stats.frames == 6)
    time.sleep(0.1)
    assert worker.stats.frames == 6
    builds.release()
    thread.join(10)
    assert worker.stats.frames == 50 and worker.builder.spooled == 3
    evidence = beats[-1]["details"]["evidence"]
    # The second speeder may also find the queue full for an instant, before the build
    # thread takes the first job: at least the third one's wait is counted.
    assert evidence["backpressure_waits"] in (1, 2) and evidence["backpressure_s"] >= 0.1
    assert evidence["max_queue"] == 1 and evidence["queued"] == 0


def test_a_stop_builds_everything_queued_before_the_worker_exits(tmp_path: Path) -> None:
    builds = SlowBuilds()
    worker, beats = _worker(tmp_path, [FakeSource(1000)], pipelines=[_speeders(1, 2, 3)],
                            make_violation=builds)  # fmt: skip
    original = worker._frame

    def frame(pipe: Any, f: Frame, start: datetime) -> None:
        original(pipe, f, start)
        if f.index == 5:
            worker.request_stop(15)
            threading.Timer(0.2, builds.release).start()

    worker._frame = frame  # type: ignore[method-assign,assignment]
    assert worker.run() == 0
    assert worker.stats.frames == 6 and worker.builder.spooled == 3
    assert [b["status"] for b in beats][-2:] == ["building", "stopped"]
    assert beats[-1]["violations"] == 3 and beats[-1]["spool_events"] == 3


def test_a_failed_build_is_counted_and_the_next_violation_is_still_built(tmp_path: Path) -> None:
    builds = SlowBuilds(fail_track=2)
    builds.release()
    worker, beats = _worker(tmp_path, [FakeSource(10)], live=False,
                            pipelines=[_speeders(2, 4)], make_violation=builds)  # fmt: skip
    assert worker.run() == 0
    assert worker.builder.failures == 1 and worker.builder.spooled == 1
    assert [e.event_id for e in worker.parts.spool.pending()] == ["ev-4"]
    assert "JPEG encoding failed" in beats[-1]["details"]["last_error"]


def test_only_the_entry_exit_and_largest_frames_go_to_the_evidence_thread() -> None:
    image = np.zeros((4, 4, 3), np.uint8)
    sizes = [30, 60, 50, 40, 35, 30, 25, 20]  # the vehicle is largest in frame 1
    held = [HeldFrame(Frame(i, i / 30, image), (0, 0, s, s), ()) for i, s in enumerate(sizes)]
    passage = _passage()  # its zone frames are 1, 2, 3
    assert [h.frame.index for h in evidence_frames(passage, held)] == [1, 2, 3]
    wider = Passage(**{**passage.__dict__, "frame_indices": tuple(range(8))})
    assert [h.frame.index for h in evidence_frames(wider, held)] == [0, 1, 7]


@pytest.mark.parametrize("lost_at", [45, None], ids=["track-ends-later", "segment-ends-first"])
def test_a_vehicle_is_handed_over_as_it_leaves_the_zone_and_counted_once(
    tmp_path: Path, lost_at: int | None
) -> None:
    """The real pipeline (scripted boxes in, ByteTrack, the estimator) reports the vehicle
    on its fifth frame out of the zone; the worker builds its evidence then, once."""
    calibration = Calibration.from_dict(SCENE.calibration())

    def make_pipeline(src: Any, observer: Any) -> MeasurementPipeline:
        detector = ScriptedDetector([(AWAY, range(0, lost_at or 60))])
        size = (CAM.width, CAM.height)
        return MeasurementPipeline(calibration, detector, frame_size=size, observer=observer)

    def make_violation(passage: Passage, held: list[HeldFrame], start: datetime) -> ViolationDraft:
        assert held, "the ring held the vehicle's zone frames"
        return ViolationDraft(f"ev-{passage.track_id}-{len(handed_over)}", {}, b"pkg")

    counted: list[Any] = []
    worker, _ = _worker(tmp_path, [FakeSource(60)], live=False, make_violation=make_violation,
                        in_zone=zone_test(calibration.plane, calibration.zone))  # fmt: skip
    worker.parts.make_pipeline = make_pipeline
    handed_over: list[int] = []  # the frame the loop was on when it handed a violation over
    submit = worker.builder.submit

    def recording_submit(*args: Any) -> None:
        handed_over.append(worker.stats.frames)
        submit(*args)

    worker.builder.submit = recording_submit  # type: ignore[method-assign,assignment]
    worker.parts.flush_counts = counted.extend
    assert worker.run() == 0
    assert worker.stats.passages == 1 and worker.stats.enforceable == 1
    # Handed over on the fifth frame out of the zone, not when the track ended; and only
    # once, with distinct ids per hand-over, so the spool could not hide a repeat.
    assert handed_over == [last_zone_frame(AWAY) + 5] and worker.builder.spooled == 1
    ((_, counts),) = counted
    assert counts.vehicles == 1


def test_a_vehicle_back_in_the_zone_after_its_reading_is_a_second_event(tmp_path: Path) -> None:
    """One track id, two passes through the zone over the limit (90 km/h away, then 72
    km/h backing): two passages, two violations with their own event ids."""
    calibration = Calibration.from_dict(SCENE.calibration())

    def make_pipeline(src: Any, observer: Any) -> MeasurementPipeline:
        size = (CAM.width, CAM.height)
        return MeasurementPipeline(calibration, Reversing(back_ms=-20.0), frame_size=size,
                                   observer=observer)  # fmt: skip

    def make_violation(passage: Passage, held: list[HeldFrame], start: datetime) -> ViolationDraft:
        first_seen = utc_at(start, passage.times_s[0])
        return ViolationDraft(make_event_id("cam-x", passage.track_id, first_seen), {}, b"pkg")

    worker, _ = _worker(tmp_path, [FakeSource(200)], live=False, make_violation=make_violation,
                        in_zone=zone_test(calibration.plane, calibration.zone))  # fmt: skip
    worker.parts.make_pipeline = make_pipeline
    assert worker.run() == 0
    assert worker.stats.passages == 2 and worker.stats.enforceable == 2
    assert len({e.event_id for e in worker.parts.spool.pending()}) == 2


def test_the_evidence_thread_warms_up_before_its_first_build(tmp_path: Path) -> None:
    order: list[str] = []

    def make_violation(passage: Passage, held: list[HeldFrame], start: datetime) -> ViolationDraft:
        order.append("build")
        return ViolationDraft("ev-1", {}, b"pkg")

    worker, _ = _worker(tmp_path, [FakeSource(10)], live=False, pipelines=[_speeders(2)],
                        make_violation=make_violation)  # fmt: skip
    worker.builder.warm_up = lambda: order.append("warm up")
    assert worker.run() == 0
    assert order == ["warm up", "build"]
