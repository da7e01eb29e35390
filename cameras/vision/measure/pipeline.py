"""Frames in, passages out: source -> detector -> tracker -> speed estimator.

:class:`MeasurementPipeline` consumes frames one at a time (a camera worker feeds it from
its own loop and keeps a ring buffer of frames through the observer callback, to cut
evidence stills later); :func:`measure_video` is the batch form over a file or stream.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import CalibrationError, VideoSourceError
from cameras.vision.measure.calibration import Calibration
from cameras.vision.measure.dedup import DuplicateScreen
from cameras.vision.measure.departure import DepartureWatch, zone_test
from cameras.vision.measure.detect import Detector, MotionDetector, make_detector
from cameras.vision.measure.source import Frame, FrameSource
from cameras.vision.measure.speed import Passage, SpeedConfig, SpeedEstimator
from cameras.vision.measure.stitch import FragmentStitcher, StitchConfig
from cameras.vision.measure.track import ByteTrackTracker, Track
from cameras.vision.measure.visible import VisibleZone, visible_zone
from cameras.vision.measure.yolo import input_long_side

log = logging.getLogger(__name__)

Observer = Callable[[Frame, list[Track]], None]


@dataclass
class StageTimings:
    """Wall-clock seconds spent per stage, for per-stage throughput reports."""

    frames: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: {"decode": 0.0, "detect": 0.0, "track": 0.0, "measure": 0.0}
    )

    def add(self, stage: str, dt: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + dt

    @property
    def total_s(self) -> float:
        return sum(self.seconds.values())

    def fps(self) -> dict[str, float]:
        """Frames per second each stage alone would sustain, and the whole chain."""
        out = {k: (self.frames / v if v > 0 else float("inf")) for k, v in self.seconds.items()}
        out["total"] = self.frames / self.total_s if self.total_s > 0 else float("inf")
        return out


class MeasurementPipeline:
    """Stateful per-camera pipeline: ``process(frame)`` returns the passages finished by it.

    A vehicle is measured once it has been out of the zone for ``departed_after_frames``
    frames after being in it (see ``departure``; None: only when its track ends); any
    other track when it finishes, unmatched for ``lost_frames`` frames, or at :meth:`finish`.
    With ``split_merged`` (the default) a detector that takes hints (the motion detector)
    is told where the tracks expect their vehicles, and splits a blob holding two of them
    (see ``hints``); off, each merged blob is one box.
    """

    def __init__(
        self,
        calibration: Calibration,
        detector: Detector,
        frame_size: tuple[int, int] | None = None,
        lost_frames: int = 15,
        observer: Observer | None = None,
        speed_config: SpeedConfig | None = None,
        timestamp_sigma_s: float | None = None,
        stitch: StitchConfig | None = None,
        split_merged: bool = True,
        departed_after_frames: int | None = 5,
    ) -> None:
        self.split_merged = split_merged
        self.calibration = calibration
        self.detector = detector
        # A detector may bring its own association thresholds (YOLO's scores are spread
        # lower than the motion detector's, see ``yolo.TRACKER``).
        self.tracker = ByteTrackTracker(
            lost_frames=lost_frames, **getattr(detector, "tracker_thresholds", {})
        )
        self.observer = observer
        self.timings = StageTimings()
        cfg = speed_config or SpeedConfig()
        if timestamp_sigma_s is not None:
            cfg = SpeedConfig(**{**cfg.__dict__, "timestamp_sigma_s": timestamp_sigma_s})
        bounds: tuple[float, float, float, float] | None = None
        roi = getattr(detector, "roi", None)
        if roi is not None:
            bounds = (float(roi[0]), float(roi[1]), float(roi[2]), float(roi[3]))
        elif frame_size is not None and frame_size[0] > 0:
            bounds = (0.0, 0.0, float(frame_size[0]), float(frame_size[1]))
        self.estimator = SpeedEstimator(
            calibration.plane,
            calibration.zone,
            calibration.calibration_sigma_m,
            bounds=bounds,
            config=cfg,
            readout_s=calibration.readout_s,
            frame_height=frame_size[1] if frame_size is not None and frame_size[1] > 0 else None,
        )
        self.stitcher = FragmentStitcher(self.estimator, stitch)
        self.departed_after_frames = departed_after_frames
        self.departures: DepartureWatch | None = None
        self.visible: VisibleZone | None = None
        if frame_size is not None and frame_size[0] > 0:
            self._fit_zone_to_picture(frame_size[0], frame_size[1])
        else:
            self._watch_departures(calibration.zone)
        self.tracks_finished = 0
        # One vehicle given as two tracks must not be two readings (see ``dedup``).
        self.duplicates = DuplicateScreen()

    def _fit_zone_to_picture(self, width: int, height: int) -> None:
        """Measure over the part of the zone the picture shows (see ``visible``)."""
        cal = self.calibration
        self.visible = visible_zone(cal.plane, cal.zone, width, height)
        if self.visible.seen_fraction <= 0.0 or self.visible.length_m <= 0.0:
            raise CalibrationError(
                f"the measurement zone lies outside the {width}x{height} picture: "
                "check the calibration against this camera's view"
            )
        if self.visible.clipped:
            log.warning(
                "%.0f %% of the measurement zone lies outside the %dx%d picture: measuring "
                "over the part seen (shortest stretch %.1f m of %.1f m; larger uncertainty)",
                100.0 * (1.0 - self.visible.seen_fraction),
                width,
                height,
                self.visible.length_m,
                self.visible.zone_length_m,
            )
        self.estimator.zone = self.visible.polygon
        self.estimator.whole = self.visible.whole
        self._watch_departures(self.visible.polygon)

    def _watch_departures(self, zone: NDArray[np.float64]) -> None:
        if self.departed_after_frames:
            self.departures = DepartureWatch(
                zone_test(self.calibration.plane, zone),
                self.departed_after_frames,
                seen=self.estimator.contact_seen,
            )

    def process(self, frame: Frame) -> list[Passage]:
        if self.estimator.bounds is None or self.estimator.frame_height is None:
            h, w = frame.image.shape[:2]
            self.estimator.frame_height = h
            if self.estimator.bounds is None:
                self.estimator.bounds = (0.0, 0.0, float(w), float(h))
            if self.visible is None:
                self._fit_zone_to_picture(w, h)
        t0 = time.perf_counter()
        if self.split_merged and hasattr(self.detector, "hints"):
            # Where the tracks expect their vehicles: lets the motion detector split a
            # blob that holds two of them (see ``hints``).
            expected = [t.predict(frame.index) for t in self.tracker.active.values()]
            boxes = [b for b in expected if b is not None]
            self.detector.hints = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        detections = self.detector.detect(frame.image)
        t1 = time.perf_counter()
        active = self.tracker.update(frame.index, frame.t_s, detections)
        finished = self.tracker.pop_finished(frame.index)
        t2 = time.perf_counter()
        if self.observer is not None:
            self.observer(frame, active)
        passages = self._measure(finished, frame.t_s)
        if self.departures is not None:
            departed = self.departures.update(frame.index, self.tracker.active.values())
            passages += self._measure_departed(departed)
        passages = self.duplicates.screen(passages)
        t3 = time.perf_counter()
        self.timings.frames += 1
        self.timings.add("detect", t1 - t0)
        self.timings.add("track", t2 - t1)
        self.timings.add("measure", t3 - t2)
        return passages

    def finish(self) -> list[Passage]:
        """End of stream: measure every track still open."""
        t0 = time.perf_counter()
        passages = self._measure(self.tracker.flush())
        passages += self.stitcher.flush()
        passages = self.duplicates.screen(passages)
        self.timings.add("measure", time.perf_counter() - t0)
        return passages

    def _measure(self, tracks: list[Track], now_s: float | None = None) -> list[Passage]:
        """Passages of finished tracks; a fragment that an active track may continue (a
        vehicle lost while merged with a neighbour) waits for it (see ``stitch``)."""
        self.tracks_finished += len(tracks)
        if self.departures is not None:
            # Vehicles measured as they left the zone are not measured a second time.
            rests = [self.departures.finished(t) for t in tracks]
            tracks = [t for t in rests if t is not None]
        return self.stitcher.finished(tracks, self.tracker.active.values(), now_s)

    def _measure_departed(self, tracks: list[Track]) -> list[Passage]:
        """Firm passages of vehicles that just left the zone (see ``departure``). A
        reading that fails a check, or is valid only by the halves' 3 km/h allowance,
        waits for the track's end, through the stitcher."""
        out: list[Passage] = []
        assert self.departures is not None
        for track in tracks:
            if self.departures.born_inside(track.track_id):
                passage = self.stitcher.continued(track)
            else:
                passage = self.estimator.estimate(track)
            if self.estimator.firm(passage):
                self.departures.mark(track)
                out.append(passage)
        return out


def detector_for(
    calibration: Calibration,
    kind: str,
    weights: str | Path | None,
    width: int,
    height: int,
    motion_gate: bool = True,
    foreground_contact: bool = True,
    fill_in: bool = True,
    movers: bool = True,
) -> Detector:
    """The detector for this calibration and picture size, as every caller makes it: over
    the zone's ROI, blobs scaled to the zone, YOLO's input sized to the zone's far end,
    YOLO behind the motion gate, its box bottoms placed on the foreground and the frames
    it misses filled in from motion blobs, and what moves that it never named measured
    from them (each off only to measure what it does, see ``benchmarks/throughput.py``).

    Blob splitting (``road=calibration.plane.image_to_world``) stays off: on the synthetic
    suite it lost as many vehicles as it saved (75.5-75.8 % of unoccluded vehicles
    measured with it, 77.4 % without; see blobs.split_neighbours)."""
    roi = calibration.plane.image_roi(calibration.zone, width, height) if width else None
    return make_detector(
        kind,
        weights,
        roi=roi,
        min_area_px=min_blob_area_px(calibration),
        motion_gate=motion_gate,
        foreground_contact=foreground_contact,
        fill_in=fill_in,
        movers=movers,
        yolo_long_side=input_long_side(calibration.plane, calibration.zone, roi) if roi else None,
    )


def min_blob_area_px(calibration: Calibration, min_area_m2: float = 0.3) -> float:
    """Smallest foreground blob worth a detection: ``min_area_m2`` at the zone's far end.

    Scaling with the calibration keeps motorcycles at the far end of a wide-angle view
    while ignoring leaves and noise on a close-up camera.
    """
    ppm = calibration.plane.pixels_per_metre(calibration.zone)
    ppm = ppm[np.isfinite(ppm)]
    if len(ppm) == 0:
        return 400.0
    return float(max(16.0, min_area_m2 * float(ppm.min()) ** 2))


def background_frames(
    path: str | Path, seconds: float = 6.0, count: int = 25
) -> list[NDArray[np.uint8]]:
    """Up to ``count`` frames spread over the first ``seconds`` of a video file (for a
    median background); empty when the file cannot be read. Streams are not rewound."""
    cap = cv2.VideoCapture(str(path))
    frames: list[NDArray[np.uint8]] = []
    try:
        if not cap.isOpened():
            return frames
        fps = cap.get(cv2.CAP_PROP_FPS)
        n = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        span = int(min(seconds * (fps if 0 < fps < 1000 else 30.0), n if n > 0 else 1e9))
        step = max(1, span // count)
        for i in range(span):
            if i % step == 0:
                ok, img = cap.read()
                if not ok or img is None:
                    break
                frames.append(np.asarray(img, dtype=np.uint8))
            elif not cap.grab():
                break
    finally:
        cap.release()
    return frames


def _motion_model(det: Detector) -> MotionDetector | None:
    if isinstance(det, MotionDetector):
        return det
    model = getattr(det, "motion_model", None)
    return model if isinstance(model, MotionDetector) else None


def seed_background_from_file(det: Detector, source: object) -> bool:
    """Start a motion detector's background from a temporal median of a video file.

    Without it, vehicles already in view in the first frames leave ghosts in the
    background model and their tracks are rejected; streams cannot be rewound, so they
    learn the background as they go. Returns whether the background was seeded.
    """
    motion = _motion_model(det)
    if motion is None or not isinstance(source, str | Path) or str(source).isdigit():
        return False
    path = Path(source)
    if path.is_file() and motion.seed_background(background_frames(path)):
        log.info("background seeded from a temporal median of %s", path.name)
        return True
    return False


def _progress_bar(total: int | None, enabled: bool) -> Any:  # tqdm has no types
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc="measure", leave=False)


def measure_video(
    source: str | Path | int | FrameSource,
    calibration: Calibration,
    detector: str | Detector = "auto",
    weights: str | Path | None = None,
    progress: bool = True,
    observer: Observer | None = None,
    pipeline_out: list[MeasurementPipeline] | None = None,
) -> Iterator[Passage]:
    """Measure every vehicle that crosses the zone; yields passages as tracks finish.

    ``detector`` is a kind ("auto", "yolo", "motion") or a ready detector. If the video
    turns out truncated or corrupt, the passages measured so far are still yielded before
    the VideoSourceError propagates. ``pipeline_out`` receives the pipeline (for timings).
    """
    src = (
        source
        if isinstance(source, FrameSource)
        else FrameSource(source, fallback_fps=calibration.fps)
    )
    src.open()
    width, height = src.frame_size
    if isinstance(detector, str):
        det = detector_for(calibration, detector, weights, width, height)
    else:
        det = detector
    seed_background_from_file(det, source)
    pipe = MeasurementPipeline(calibration, det, frame_size=(width, height), observer=observer)
    if pipeline_out is not None:
        pipeline_out.append(pipe)
    bar = _progress_bar(src.stats.expected_frames, progress)
    frames = iter(src)
    fallback_noted = False
    try:
        while True:
            t0 = time.perf_counter()
            try:
                frame = next(frames)
            except StopIteration:
                break
            finally:
                pipe.timings.add("decode", time.perf_counter() - t0)
            if not fallback_noted and src.stats.timestamp_source != "container":
                # Nominal-rate timestamps are only as good as the camera's clock: widen U.
                fallback_noted = True
                pipe.estimator.config = SpeedConfig(
                    **{**pipe.estimator.config.__dict__, "timestamp_sigma_s": 0.002}
                )
            yield from pipe.process(frame)
            if bar is not None:
                bar.update(1)
    except VideoSourceError:
        # Loses nothing: vehicles already seen are measured before the error is reported.
        yield from pipe.finish()
        raise
    finally:
        if bar is not None:
            bar.close()
    yield from pipe.finish()
    stats = src.stats
    if stats.dropped_frames or stats.duplicate_frames:
        log.warning(
            "%s: %d dropped and %d duplicated frames (timestamps from %s)",
            source,
            stats.dropped_frames,
            stats.duplicate_frames,
            stats.timestamp_source,
        )
