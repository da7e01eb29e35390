"""The Django-free worker loop: reconnection with backoff, stop handling, the privacy filter,
the evidence ring and the counts (fakes for the source and the pipeline; no processes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from cameras.vision.errors import VideoSourceError
from cameras.vision.measure.source import Frame, SourceStats
from cameras.vision.measure.speed import Passage, SpeedConfig
from cameras.vision.measure.track import Track, TrackSample
from cameras.worker.builder import MakeViolation
from cameras.worker.loop import CameraWorker, WorkerConfig, WorkerParts
from cameras.worker.privacy import CountAggregator, EnforcementRule, interval_start, speed_bin
from cameras.worker.ring import EvidenceRing, ZoneTest
from cameras.worker.spool import Spool
from cameras.worker.violation import ViolationDraft


def _passage(track_id: int = 1, speed: float = 80.0, u: float = 1.5, valid: bool = True) -> Passage:
    return Passage(
        track_id,
        1.0,
        2.0,
        speed,
        u,
        1.5,
        "car",
        valid,
        None if valid else "x",
        "away",
        20,
        speed,
        speed,
        speed,
        16.0,
        (1, 2, 3),
        ((0, 0, 1, 1),) * 3,
        (1.0, 1.5, 2.0),
    )


class FakeSource:
    """Yields ``n`` frames, then ends (``drop`` raises a stream error instead)."""

    def __init__(self, n: int, drop: bool = False) -> None:
        self.n, self.drop = n, drop
        self.stats = SourceStats(timestamp_source="container")
        self.closed = False

    def open(self) -> FakeSource:
        return self

    def close(self) -> None:
        self.closed = True

    def __iter__(self) -> Iterator[Frame]:
        for i in range(self.n):
            yield Frame(i, i / 30.0, np.zeros((4, 4, 3), np.uint8))
        if self.drop:
            raise VideoSourceError("stream dropped")


class FakePipeline:
    def __init__(self, passages_at: dict[int, list[Passage]] | None = None) -> None:
        self.passages_at = passages_at or {}
        self.tracker = SimpleNamespace(active={})
        self.estimator = SimpleNamespace(config=SpeedConfig())
        self.finished = False

    def process(self, frame: Frame) -> list[Passage]:
        return self.passages_at.get(frame.index, [])

    def finish(self) -> list[Passage]:
        self.finished = True
        return []


class RecordingEvent(threading.Event):
    """A stop event that records the backoff waits instead of sleeping them."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(float(timeout or 0))
        return self.is_set()


def _no_violation(*args: Any) -> ViolationDraft:
    raise AssertionError("no violation expected")


def _worker(
    tmp_path: Path,
    sources: list[Any],
    *,
    once: bool = False,
    live: bool = True,
    pipelines: list[FakePipeline] | None = None,
    in_zone: ZoneTest | None = None,
    make_violation: MakeViolation | None = None,
    **options: Any,
) -> tuple[CameraWorker, list[dict[str, Any]]]:
    beats: list[dict[str, Any]] = []
    queue = list(sources)
    pipes = list(pipelines or [])

    def open_source() -> Any:
        item = queue.pop(0) if queue else FakeSource(0)
        if isinstance(item, Exception):
            raise item
        return item

    def make_pipeline(src: Any, observer: Any) -> Any:
        return pipes.pop(0) if pipes else FakePipeline()

    config = WorkerConfig(
        "cam-x",
        "test:1",
        EnforcementRule(50, 10),
        1,
        once=once,
        live=live,
        heartbeat_every_s=0,
        reconnect_base_s=1.0,
        reconnect_max_s=8.0,
        drain_timeout_s=0,
        **options,
    )
    parts = WorkerParts(
        open_source=open_source,
        make_pipeline=make_pipeline,
        in_zone=in_zone or (lambda boxes: np.ones(len(boxes), bool)),
        make_violation=make_violation or _no_violation,
        spool=Spool(tmp_path / "spool"),
        delivery=None,
        heartbeat=beats.append,
        flush_counts=lambda batch: None,
    )
    worker = CameraWorker(config, parts)
    worker.stop_event = RecordingEvent()
    return worker, beats


def test_a_stream_that_fails_then_works_is_reopened_with_growing_backoff(tmp_path: Path) -> None:
    fail = VideoSourceError("rtsp://cam cannot be opened")
    sources: list[Any] = [fail, fail, fail, FakeSource(5, drop=True), fail, FakeSource(7)]
    worker, beats = _worker(tmp_path, sources)
    calls = {"n": 0}
    original = worker._segment

    def segment() -> str:
        calls["n"] += 1
        if calls["n"] > len(sources):
            worker.request_stop()
        return original()

    worker._segment = segment  # type: ignore[method-assign]
    assert worker.run() == 0
    assert worker.stats.frames == 12  # both connections that worked were read
    assert worker.stats.segments >= 2
    waits = worker.stop_event.waits
    # 1, 2, 4 s for the three failed opens; a connection that delivered frames resets it.
    assert waits[:4] == [1.0, 2.0, 4.0, 1.0]
    statuses = [b["status"] for b in beats]
    assert statuses[0] == "starting" and "reconnecting" in statuses and statuses[-1] == "stopped"
    assert "cannot be opened" in beats[1]["details"]["last_error"]


def test_the_backoff_is_capped(tmp_path: Path) -> None:
    fails: list[Any] = [VideoSourceError("down")] * 8
    worker, _ = _worker(tmp_path, fails)
    original = worker._segment
    calls = {"n": 0}

    def segment() -> str:
        calls["n"] += 1
        if calls["n"] == 8:
            worker.request_stop()
        return original()

    worker._segment = segment  # type: ignore[method-assign]
    worker.run()
    assert max(worker.stop_event.waits) == 8.0


def test_once_mode_does_not_reconnect_and_reports_the_failure(tmp_path: Path) -> None:
    worker, beats = _worker(tmp_path, [VideoSourceError("no such file")], once=True)
    assert worker.run() == 1
    assert worker.stats.reconnects == 0 and beats[-1]["status"] == "stopped"


def test_a_file_that_ends_ends_the_worker(tmp_path: Path) -> None:
    worker, _ = _worker(tmp_path, [FakeSource(10)], live=False)
    assert worker.run() == 0
    assert worker.stats.frames == 10 and worker.stats.reconnects == 0


def test_a_stop_request_stops_reading_and_measures_the_vehicles_in_flight(tmp_path: Path) -> None:
    pipe = FakePipeline()
    worker, beats = _worker(tmp_path, [FakeSource(1000)], pipelines=[pipe])
    original = worker._frame

    def frame(p: Any, f: Frame, start: datetime) -> None:
        original(p, f, start)
        if f.index == 20:
            worker.request_stop(15)

    worker._frame = frame  # type: ignore[method-assign,assignment]
    assert worker.run() == 0
    assert worker.stats.frames == 21
    assert pipe.finished  # open tracks were measured, not dropped
    assert beats[-1]["status"] == "stopped"


def test_passages_under_the_threshold_leave_only_counts(tmp_path: Path) -> None:
    slow = [_passage(1, 45.0), _passage(2, 61.0, u=1.5), _passage(3, 90.0, valid=False)]
    pipe = FakePipeline({3: slow})
    worker, beats = _worker(tmp_path, [FakeSource(10)], live=False, pipelines=[pipe])
    counted: list[Any] = []
    worker.parts.flush_counts = counted.extend
    assert worker.run() == 0
    assert worker.stats.passages == 3 and worker.stats.enforceable == 0
    assert dict(worker.stats.rejected) == {"x": 1}  # the rejected one, by its reason
    assert worker.builder.failures == 0  # make_violation would have raised
    ((_, counts),) = counted
    assert counts.vehicles == 3 and counts.over_limit == 1  # the invalid one has no speed
    assert dict(counts.histogram) == {45: 1, 60: 1}
    assert beats[-1]["spool_events"] == 0


def test_the_enforcement_value_is_the_lower_bound() -> None:
    rule = EnforcementRule(limit_kmh=50, threshold_kmh=10)
    assert rule.enforceable(_passage(speed=61.6, u=1.5))
    assert not rule.enforceable(_passage(speed=61.5, u=1.5))  # exactly 60: not over
    assert not rule.enforceable(_passage(speed=95, valid=False))
    assert not rule.enforceable(_passage(speed=float("nan")))


def test_counts_fall_in_quarter_hours_and_five_kmh_bins() -> None:
    t = datetime(2026, 5, 4, 10, 29, 59, tzinfo=UTC)
    assert interval_start(t) == datetime(2026, 5, 4, 10, 15, tzinfo=UTC)
    assert speed_bin(49.99) == 45 and speed_bin(50.0) == 50
    agg = CountAggregator(limit_kmh=50)
    agg.add(_passage(speed=52), t)
    agg.add(_passage(speed=33), t + timedelta(seconds=1))
    batch = agg.drain()
    assert [s for s, _ in batch] == [
        datetime(2026, 5, 4, 10, 15, tzinfo=UTC),
        datetime(2026, 5, 4, 10, 30, tzinfo=UTC),
    ]
    assert agg.drain() == []
    agg.restore(batch)
    assert agg.pending_vehicles == 2


def _track(tid: int, frame: int, box: tuple[float, float, float, float]) -> Track:
    return Track(tid, [TrackSample(frame, frame / 30, box, 0.9)])


def test_the_ring_holds_entry_and_latest_frames_and_drops_them_on_release() -> None:
    in_zone = lambda boxes: boxes[:, 3] > 100  # noqa: E731 - the zone: box bottoms below y=100
    ring = EvidenceRing(in_zone, keep=2)
    image = np.zeros((4, 4, 3), np.uint8)
    for i in range(10):
        tracks = [_track(1, i, (0, 0, 10, 150)), _track(2, i, (0, 0, 10, 50 if i < 5 else 150))]
        ring.observe(Frame(i, i / 30, image), tracks)
    held = ring.frames_for(1)
    assert [h.frame.index for h in held] == [0, 1, 8, 9]
    assert held[0].other_boxes == ((0.0, 0.0, 10.0, 50.0),)  # for redacting the other car
    assert [h.frame.index for h in ring.frames_for(2)] == [5, 6, 8, 9]
    assert len(ring) == 6
    ring.release(1)
    assert len(ring) == 4  # frames 0, 1 went; 5, 6, 8, 9 are still track 2's
    ring.prune(live=set())
    assert len(ring) == 0


def test_frames_with_no_vehicle_in_the_zone_are_never_kept() -> None:
    ring = EvidenceRing(lambda boxes: np.zeros(len(boxes), bool))
    ring.observe(Frame(0, 0.0, np.zeros((4, 4, 3), np.uint8)), [_track(1, 0, (0, 0, 1, 1))])
    ring.observe(Frame(1, 0.1, np.zeros((4, 4, 3), np.uint8)), [])
    assert len(ring) == 0


@pytest.mark.parametrize("cap", [3])
def test_the_ring_never_grows_past_its_cap(cap: int) -> None:
    ring = EvidenceRing(lambda boxes: np.ones(len(boxes), bool), keep=4, max_frames=cap)
    for i in range(10):
        ring.observe(Frame(i, i / 30, np.zeros((4, 4, 3), np.uint8)), [_track(1, i, (0, 0, 1, 1))])
    assert len(ring) == cap and ring.evicted > 0
