"""The camera worker loop, free of Django: everything outside it comes in as callables.

    source --frames--> MeasurementPipeline --passages--> privacy filter
        under the threshold: a count, and the vehicle's frames are dropped
        over the threshold: its frames -> evidence thread (builder.py): package ->
            spool (durable) -> delivery thread
    the first seconds of each day's frames --> self-test (selfcheck.py)

Streams that drop are reopened with exponential backoff; each reconnection starts a new
segment (new pipeline, new wall-clock start) because tracks cannot span a gap. SIGTERM
or SIGINT stops reading, measures the vehicles still in flight, builds and spools every
violation still queued for evidence, flushes the counts, gives delivery a bounded time
to empty the spool (what is left stays durable on disk for the next start), returns 0.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import FrameType
from typing import Any, Protocol

from cameras.vision.errors import VideoSourceError
from cameras.vision.measure.pipeline import MeasurementPipeline, Observer
from cameras.vision.measure.source import Frame, SourceStats
from cameras.vision.measure.speed import Passage, SpeedConfig
from cameras.worker.builder import EvidenceBuilder, MakeViolation
from cameras.worker.delivery import Delivery
from cameras.worker.privacy import CountAggregator, EnforcementRule, IntervalCounts
from cameras.worker.ring import EvidenceRing, ZoneTest
from cameras.worker.selfcheck import RunSelfTest, SelfTestSchedule
from cameras.worker.spool import Spool
from cameras.worker.violation import utc_at

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SOURCE_FAILED = 1


class SourceLike(Protocol):
    stats: SourceStats

    def open(self) -> Any: ...
    def close(self) -> None: ...
    def __iter__(self) -> Any: ...


@dataclass
class WorkerConfig:
    camera_code: str
    worker_id: str
    rule: EnforcementRule
    calibration_version: int | None
    once: bool = False  # one pass over the source, no reconnection
    live: bool = True  # a stream/device: reconnect when it ends; a file just ends
    wall_clock: bool = True  # frames arrive in real time: report the lag behind live
    heartbeat_every_s: float = 10.0
    counts_every_s: float = 60.0
    reconnect_base_s: float = 1.0
    reconnect_max_s: float = 60.0
    drain_timeout_s: float = 10.0
    detector: str = ""
    evidence_queue: int = 4  # violations waiting for evidence before the loop waits
    selftest_seconds: float = 3.0


@dataclass
class WorkerParts:
    open_source: Callable[[], SourceLike]
    make_pipeline: Callable[[SourceLike, Observer], MeasurementPipeline]
    in_zone: ZoneTest
    # (passage, held frames, segment start) -> draft; raises when no evidence can be made.
    # Runs on the evidence thread.
    make_violation: MakeViolation
    spool: Spool
    delivery: Delivery | None
    heartbeat: Callable[[dict[str, Any]], None]
    flush_counts: Callable[[list[tuple[datetime, IntervalCounts]]], None]
    # wall-clock time (UTC) of the segment's first frame; called once the source is open
    segment_start: Callable[[SourceLike], datetime] = field(default=lambda src: datetime.now(UTC))
    extra_details: Callable[[], dict[str, Any]] = field(default=lambda: {})
    # records a self-test over the first seconds of frames; None: the worker runs none
    run_selftest: RunSelfTest | None = None
    today: Callable[[], date] = field(default=lambda: datetime.now().date())  # local day
    # run once on the evidence thread before the first build (loads the OCR models)
    warm_up: Callable[[], None] | None = None


@dataclass
class WorkerStats:
    frames: int = 0
    passages: int = 0
    enforceable: int = 0  # passages over the threshold, handed to the evidence thread
    # Passages the engine rejected, by reason: counts only, nothing of the vehicle.
    rejected: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    segments: int = 0
    lag_s: float = 0.0
    last_error: str = ""
    _window_frames: int = 0
    _window_t: float = field(default_factory=time.monotonic)

    def fps(self) -> float:
        now = time.monotonic()
        dt = now - self._window_t
        fps = self._window_frames / dt if dt > 0 else 0.0
        self._window_frames, self._window_t = 0, now
        return fps


class CameraWorker:
    def __init__(self, config: WorkerConfig, parts: WorkerParts) -> None:
        self.config = config
        self.parts = parts
        self.stop_event = threading.Event()
        self.stats = WorkerStats()
        self.counts = CountAggregator(config.rule.limit_kmh)
        self.ring = EvidenceRing(parts.in_zone)
        self.builder = EvidenceBuilder(
            parts.make_violation,
            parts.spool,
            camera_code=config.camera_code,
            max_queue=config.evidence_queue,
            warm_up=parts.warm_up,
        )
        self.selftest = (
            SelfTestSchedule(parts.run_selftest, parts.today, seconds=config.selftest_seconds)
            if parts.run_selftest is not None
            else None
        )
        self._status = "starting"
        self._source_stats: SourceStats | None = None
        self._last_beat = 0.0
        self._last_counts = time.monotonic()

    # -- lifecycle -------------------------------------------------------------------------
    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if not self.stop_event.is_set():
            log.info("camera %s: stop requested (signal %s)", self.config.camera_code, signum)
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.request_stop)

    def run(self) -> int:
        cfg = self.config
        if self.parts.delivery is not None:
            self.parts.delivery.start()
        self.builder.start()
        self._beat("starting", force=True)
        rc = EXIT_OK
        failures = 0
        try:
            while not self.stop_event.is_set():
                outcome = self._segment()
                if outcome == "frames" or outcome == "ended":
                    failures = 0
                if self.stop_event.is_set():
                    break
                if outcome == "ended" and (cfg.once or not cfg.live):
                    break
                if cfg.once:
                    rc = EXIT_SOURCE_FAILED
                    break
                failures += 1
                self.stats.reconnects += 1
                delay = min(cfg.reconnect_max_s, cfg.reconnect_base_s * 2 ** (failures - 1))
                log.warning(
                    "camera %s: source %s (%s); reconnecting in %.1f s",
                    cfg.camera_code,
                    outcome,
                    self.stats.last_error,
                    delay,
                )
                self._beat("reconnecting", force=True)
                self.stop_event.wait(delay)
        finally:
            self._shutdown()
        return rc

    def _shutdown(self) -> None:
        if self.builder.pending:
            self._beat("building", force=True)
        self.builder.drain()
        self._flush_counts()
        delivery = self.parts.delivery
        if delivery is not None:
            self._beat("draining", force=True)
            if not delivery.drain(self.config.drain_timeout_s):
                log.warning(
                    "camera %s: %d event(s) still in the spool; they are sent on the next start",
                    self.config.camera_code,
                    self.parts.spool.size().pending,
                )
            delivery.stop()
        self._beat("stopped", force=True)

    # -- one connection to the source -------------------------------------------------------
    def _segment(self) -> str:
        """Read one connection to the end. Returns "ended", "frames" (dropped after
        yielding frames), "failed" (dropped before any frame) or "stopped"."""
        try:
            src = self.parts.open_source()
            src.open()
        except VideoSourceError as exc:
            self.stats.last_error = str(exc)
            return "failed"
        self.stats.segments += 1
        self._source_stats = src.stats
        start = self.parts.segment_start(src)
        pipe = self.parts.make_pipeline(src, self.ring.observe)
        self._status = "running"
        outcome = "ended"
        got_frames = False
        fallback_noted = False
        try:
            for frame in src:
                got_frames = True
                if not fallback_noted and src.stats.timestamp_source != "container":
                    # Nominal-rate timestamps are only as good as the camera's clock.
                    fallback_noted = True
                    cfg = pipe.estimator.config
                    pipe.estimator.config = SpeedConfig(
                        **{**cfg.__dict__, "timestamp_sigma_s": max(cfg.timestamp_sigma_s, 0.002)}
                    )
                self._frame(pipe, frame, start)
                if self.selftest is not None:
                    self.selftest.observe(frame, src.stats.nominal_fps)
                if self.stop_event.is_set():
                    outcome = "stopped"
                    break
        except VideoSourceError as exc:
            self.stats.last_error = str(exc)
            outcome = "frames" if got_frames else "failed"
        finally:
            src.close()
            if self.selftest is not None:
                complete = outcome == "ended" and not self.config.live
                self.selftest.segment_ended(src.stats.nominal_fps, complete=complete)
            # Vehicles still in view when the segment ends are measured now, so a
            # shutdown or a dropped stream loses no finished passage.
            for passage in pipe.finish():
                self._passage(passage, start)
            self.ring.clear()
        return outcome

    def _frame(self, pipe: MeasurementPipeline, frame: Frame, start: datetime) -> None:
        # The pipeline reports a vehicle as soon as it has left the zone (see
        # ``departure``): that cuts the time to a stored violation and frees its frames.
        for passage in pipe.process(frame):
            self._passage(passage, start)
        self.ring.prune(set(pipe.tracker.active))
        self.stats.frames += 1
        self.stats._window_frames += 1
        if self.config.wall_clock:
            behind = (datetime.now(UTC) - utc_at(start, frame.t_s)).total_seconds()
            self.stats.lag_s = max(0.0, behind)
        now = time.monotonic()
        if now - self._last_counts >= self.config.counts_every_s:
            self._flush_counts()
        self._beat(self._status)

    def _passage(self, passage: Passage, start: datetime) -> None:
        self.stats.passages += 1
        if not passage.valid:
            self.stats.rejected[str(passage.reject_reason)] += 1
        self.counts.add(passage, utc_at(start, passage.t_enter_s))
        try:
            if self.config.rule.enforceable(passage):
                self._violation(passage, start)
        finally:
            # Decided either way: nothing of this vehicle stays in memory.
            self.ring.release(passage.track_id)

    def _violation(self, passage: Passage, start: datetime) -> None:
        # The frames go to the evidence thread (the ring releases them right after); the
        # loop only waits here when the evidence queue is full.
        self.stats.enforceable += 1
        self.builder.submit(passage, self.ring.frames_for(passage.track_id), start)

    # -- reporting --------------------------------------------------------------------------
    def _flush_counts(self) -> None:
        self._last_counts = time.monotonic()
        batch = self.counts.drain()
        if not batch:
            return
        try:
            self.parts.flush_counts(batch)
        except Exception as exc:
            self.counts.restore(batch)
            log.warning("camera %s: counts not stored yet: %s", self.config.camera_code, exc)

    def heartbeat_payload(self, status: str) -> dict[str, Any]:
        size = self.parts.spool.size()
        delivery = self.parts.delivery
        details: dict[str, Any] = {
            "spool": size.as_dict(),
            "reconnects": self.stats.reconnects,
            "segments": self.stats.segments,
            "frames": self.stats.frames,
            "evidence": self.builder.as_dict(),
            "evidence_failures": self.builder.failures,
            "ring_frames": len(self.ring),
            "detector": self.config.detector,
            "calibration_version": self.config.calibration_version,
            "last_error": self.stats.last_error or self.builder.last_error,
        }
        if self.selftest is not None:
            details["selftest"] = self.selftest.result
        if delivery is not None:
            details["delivery"] = {
                "sent": delivery.sent,
                "failures": delivery.failures,
                "last_error": delivery.last_error,
            }
        if self._source_stats is not None:
            details["source"] = self._source_stats.as_dict()
        details.update(self.parts.extra_details())
        fps = self.stats.fps()
        return {
            "worker_id": self.config.worker_id,
            "fps": fps if math.isfinite(fps) else 0.0,
            "lag_s": self.stats.lag_s,
            "passages": self.stats.passages,
            "violations": self.builder.spooled,
            "spool_events": size.pending,
            "spool_bytes": size.pending_bytes,
            "status": status,
            "details": details,
        }

    def _beat(self, status: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_beat < self.config.heartbeat_every_s:
            return
        self._last_beat = now
        try:
            self.parts.heartbeat(self.heartbeat_payload(status))
        except Exception as exc:
            log.warning("camera %s: heartbeat not recorded: %s", self.config.camera_code, exc)
