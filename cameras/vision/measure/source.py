"""Frame source: decoded frames with the container's own timestamps.

Speed is distance over *time*, so the time of each frame comes from the container or
stream (presentation timestamps via ``CAP_PROP_POS_MSEC``), never from ``index / fps``:
a camera that drops a frame still has the next one 66 ms later, not 33. Only when the
container gives no timestamps do we fall back to the nominal rate, and the stats say so.

Memory is bounded: frames are decoded one at a time and handed on.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import VideoSourceError

log = logging.getLogger(__name__)

# A gap longer than this many nominal intervals means frames were lost on the way.
DROP_GAP_FACTOR = 1.5
# A file may legitimately decode a frame or two fewer than its header promises (B-frame
# padding, rounding of duration * fps); more than this is truncation.
TRUNCATION_TOLERANCE_FRAMES = 2


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` we use (tests substitute fakes)."""

    def isOpened(self) -> bool: ...
    def read(self) -> tuple[bool, NDArray[np.uint8] | None]: ...
    def get(self, prop_id: int) -> float: ...
    def release(self) -> None: ...


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its decode index, time from the first frame (s), BGR pixels."""

    index: int
    t_s: float
    image: NDArray[np.uint8]


@dataclass
class SourceStats:
    """What happened while reading; the camera worker reports these as health data."""

    frames_read: int = 0
    frames_yielded: int = 0
    dropped_frames: int = 0  # frames missing, estimated from timestamp gaps
    drop_events: int = 0  # gaps (each may hide several frames)
    duplicate_frames: int = 0  # non-increasing timestamps; not yielded
    timestamp_source: str = "container"  # or "nominal_fps" when the container has none
    nominal_fps: float = 0.0
    width: int = 0
    height: int = 0
    expected_frames: int | None = None  # from the file header, when known
    gaps_s: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "frames_read": self.frames_read,
            "frames_yielded": self.frames_yielded,
            "dropped_frames": self.dropped_frames,
            "drop_events": self.drop_events,
            "duplicate_frames": self.duplicate_frames,
            "timestamp_source": self.timestamp_source,
            "nominal_fps": self.nominal_fps,
            "width": self.width,
            "height": self.height,
        }


def _describe(source: str | Path | int) -> str:
    return f"camera device {source}" if isinstance(source, int) else f"video {source}"


def _is_stream(source: str | Path | int) -> bool:
    return isinstance(source, int) or (
        isinstance(source, str) and "://" in source and not source.startswith("file://")
    )


def _open_capture(source: str | int) -> Capture:
    return cv2.VideoCapture(source)  # type: ignore[return-value]  # OpenCV's stubs overload read()


class FrameSource:
    """Iterate the frames of a file path, RTSP/HTTP URL or device index.

    ``fallback_fps`` is used only when the container gives no timestamps (e.g. a raw
    stream); it defaults to the container's nominal rate. ``capture_factory`` lets tests
    feed a fake capture.
    """

    def __init__(
        self,
        source: str | Path | int,
        fallback_fps: float | None = None,
        max_frames: int | None = None,
        capture_factory: Callable[[str | int], Capture] | None = None,
    ) -> None:
        self.source = source
        self.fallback_fps = fallback_fps
        self.max_frames = max_frames
        self.stats = SourceStats()
        self._factory: Callable[[str | int], Capture] = capture_factory or _open_capture
        self._cap: Capture | None = None
        self._name = _describe(source)

    # -- opening ---------------------------------------------------------------------------
    def open(self) -> FrameSource:
        """Open the source now (iteration opens it lazily); raises VideoSourceError."""
        if self._cap is not None:
            return self
        src: str | int
        if isinstance(self.source, int) or _is_stream(self.source):
            src = self.source if isinstance(self.source, int) else str(self.source)
        else:
            path = Path(self.source)
            if not path.exists():
                raise VideoSourceError(f"{self._name} does not exist")
            if not path.is_file():
                raise VideoSourceError(f"{self._name} is not a file")
            if path.stat().st_size == 0:
                raise VideoSourceError(f"{self._name} is empty (0 bytes)")
            src = str(path)
        cap = self._factory(src)
        if not cap.isOpened():
            cap.release()
            raise VideoSourceError(
                f"{self._name} cannot be opened: not a video OpenCV can decode, or the file "
                "is corrupt/truncated (e.g. an MP4 whose index was never written)"
            )
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.stats.nominal_fps = fps if math.isfinite(fps) and 0 < fps < 1000 else 0.0
        self.stats.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        self.stats.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        if not _is_stream(self.source) and count and math.isfinite(count) and count > 0:
            self.stats.expected_frames = int(count)
        return self

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> FrameSource:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) as the container declares them (opens the source)."""
        self.open()
        return self.stats.width, self.stats.height

    @property
    def interval_s(self) -> float:
        """Nominal frame interval: container rate, else the fallback, else 30 fps."""
        fps = self.stats.nominal_fps or self.fallback_fps or 30.0
        return 1.0 / fps

    # -- reading ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        self.open()
        cap = self._cap
        assert cap is not None
        stats = self.stats
        interval = self.interval_s
        if self.fallback_fps and not stats.nominal_fps:
            interval = 1.0 / self.fallback_fps
        t0: float | None = None
        last_t: float | None = None
        recent: deque[float] = deque(maxlen=51)
        index = -1
        try:
            while self.max_frames is None or stats.frames_yielded < self.max_frames:
                try:
                    ok, image = cap.read()
                except cv2.error as exc:  # some backends raise on corrupt packets
                    raise VideoSourceError(
                        f"{self._name}: decoding failed at frame {index + 1}: {exc}"
                    ) from exc
                if not ok or image is None:
                    self._check_complete(index + 1)
                    return
                index += 1
                stats.frames_read += 1
                if stats.width == 0:
                    stats.height, stats.width = image.shape[:2]
                t_raw = self._timestamp(cap, index, interval)
                if t0 is None:
                    t0 = t_raw
                t = t_raw - t0
                if last_t is not None:
                    gap = t - last_t
                    if gap <= 0:
                        # A repeated or out-of-order timestamp adds no information and a
                        # zero time step would divide by zero downstream: skip the frame.
                        stats.duplicate_frames += 1
                        continue
                    # The container's rate is an average (a stream with drops or a
                    # variable rate under-states it): judge gaps by the typical interval.
                    recent.append(gap)
                    nominal = float(np.median(recent)) if len(recent) >= 3 else interval
                    if gap > DROP_GAP_FACTOR * nominal:
                        missing = max(1, round(gap / nominal) - 1)
                        stats.dropped_frames += missing
                        stats.drop_events += 1
                        stats.gaps_s.append(gap)
                last_t = t
                stats.frames_yielded += 1
                yield Frame(index=index, t_s=t, image=image)
        finally:
            self.close()

    def _timestamp(self, cap: Capture, index: int, interval: float) -> float:
        if self.stats.timestamp_source == "container":
            ms = cap.get(cv2.CAP_PROP_POS_MSEC)
            # Backends without timestamps report 0 (or -1) for every frame; the first frame
            # is legitimately 0, so judge from the second one on.
            if index == 0 or (math.isfinite(ms) and ms > 0):
                return float(ms) / 1000.0 if math.isfinite(ms) and ms > 0 else 0.0
            self.stats.timestamp_source = "nominal_fps"
            log.warning(
                "%s gives no frame timestamps; falling back to %.3f fps: speeds assume a "
                "constant frame rate and dropped frames cannot be detected",
                self._name,
                1.0 / interval,
            )
        return index * interval

    def _check_complete(self, decoded: int) -> None:
        """Raise when a file ends well before its header's frame count (truncation)."""
        if decoded == 0:
            raise VideoSourceError(
                f"{self._name}: no frame could be decoded (frame 0): the file is corrupt"
            )
        expected = self.stats.expected_frames
        if expected is not None and decoded < expected - TRUNCATION_TOLERANCE_FRAMES:
            raise VideoSourceError(
                f"{self._name}: decoding stopped at frame {decoded} of {expected}: the file is "
                "truncated or corrupt (frames before it were processed)"
            )
