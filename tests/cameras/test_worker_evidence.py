"""Evidence is built on its own thread: the frame loop keeps reading, waits only when the
queue is full (and says so), a stop drains the queue, and one vehicle is one passage."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from cameras.vision.source import Frame
from cameras.vision.speed import Passage, SpeedConfig
from cameras.vision.track import Track, TrackSample
from cameras.worker.builder import evidence_frames
from cameras.worker.loop import CameraWorker
from cameras.worker.ring import HeldFrame
from cameras.worker.violation import ViolationDraft
from tests.cameras.test_worker_loop import FakePipeline, FakeSource, _passage, _worker


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


def _in_zone(boxes: Any) -> Any:
    return (boxes[:, 3] > 100) & (boxes[:, 3] < 200)


class DepartingVehicle(FakePipeline):
    """One speeder: before the zone (box bottom at y=250) for frames 0-1, in the zone
    (bottom 150) for frames 2-4, then driving on up the road, out of the zone (bottom 50).
    The tracker ends its track at ``lost_at``, or never (still open when the segment ends).
    With ``born_inside`` the track starts in the zone: a fragment the pipeline stitches."""

    def __init__(self, lost_at: int | None, born_inside: bool = False) -> None:
        super().__init__()
        self.lost_at = lost_at
        self.born_inside = born_inside
        self.track = Track(7, [])
        self.estimator = SimpleNamespace(config=SpeedConfig(), estimate=self._estimate)

    def _estimate(self, track: Track) -> Passage:
        return _passage(track_id=track.track_id, speed=90.0)

    def process(self, frame: Frame) -> list[Passage]:
        if self.lost_at is not None and frame.index >= self.lost_at:
            if self.tracker.active.pop(7, None) is not None:
                return [self._estimate(self.track)]  # what the pipeline reports, late
            return []
        before = 150.0 if self.born_inside else 250.0
        bottom = before if frame.index < 2 else 150.0 if frame.index < 5 else 50.0
        self.track.samples.append(TrackSample(frame.index, frame.t_s, (0, 0, 10, bottom), 0.9))
        self.tracker.active[7] = self.track
        return []

    def finish(self) -> list[Passage]:
        done = list(self.tracker.active.values())
        self.tracker.active.clear()
        return [self._estimate(t) for t in done]


@pytest.mark.parametrize("lost_at", [40, None], ids=["track-ends-later", "segment-ends-first"])
def test_a_vehicle_measured_as_it_leaves_the_zone_is_one_passage(
    tmp_path: Path, lost_at: int | None
) -> None:
    def make_violation(passage: Passage, held: list[HeldFrame], start: datetime) -> ViolationDraft:
        return ViolationDraft(f"ev-{passage.track_id}-{len(handed_over)}", {}, b"pkg")

    counted: list[Any] = []
    worker, _ = _worker(tmp_path, [FakeSource(60)], live=False,
                        pipelines=[DepartingVehicle(lost_at)], in_zone=_in_zone,
                        make_violation=make_violation)  # fmt: skip
    handed_over: list[int] = []  # the frame the loop was on when it handed a violation over
    submit = worker.builder.submit

    def recording_submit(*args: Any) -> None:
        handed_over.append(worker.stats.frames)
        submit(*args)

    worker.builder.submit = recording_submit  # type: ignore[method-assign,assignment]
    worker.parts.flush_counts = counted.extend
    assert worker.run() == 0
    assert worker.stats.passages == 1 and worker.stats.enforceable == 1
    # Handed over on the fifth frame out of the zone (frame 9), not when the track ended;
    # and only once, with distinct ids per hand-over, so the spool could not hide a repeat.
    assert handed_over == [9] and worker.builder.spooled == 1
    ((_, counts),) = counted
    assert counts.vehicles == 1


def test_a_track_born_inside_the_zone_is_left_to_the_pipeline_and_counted_once(
    tmp_path: Path,
) -> None:
    counted: list[Any] = []

    def make_violation(passage: Passage, held: list[HeldFrame], start: datetime) -> ViolationDraft:
        return ViolationDraft("ev-born", {}, b"pkg")

    worker, _ = _worker(tmp_path, [FakeSource(60)], live=False,
                        pipelines=[DepartingVehicle(40, born_inside=True)], in_zone=_in_zone,
                        make_violation=make_violation)  # fmt: skip
    handed_over: list[int] = []
    submit = worker.builder.submit

    def recording_submit(*args: Any) -> None:
        handed_over.append(worker.stats.frames)
        submit(*args)

    worker.builder.submit = recording_submit  # type: ignore[method-assign,assignment]
    worker.parts.flush_counts = counted.extend
    assert worker.run() == 0
    # Not measured as it left the zone (frame 9) but when the pipeline reported it.
    assert handed_over == [40] and worker.stats.passages == 1
    ((_, counts),) = counted
    assert counts.vehicles == 1


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
