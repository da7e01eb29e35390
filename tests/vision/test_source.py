"""Frame source: container timestamps, dropped and duplicated frames, broken files."""

from __future__ import annotations

import fractions
from pathlib import Path

import cv2
import numpy as np
import pytest

from cameras.vision.errors import VideoSourceError
from cameras.vision.measure.source import FrameSource


def write_avi(path: Path, n: int, fps: float = 25.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(n):
        writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()
    return path


def test_it_reads_container_timestamps(tmp_path: Path) -> None:
    src = FrameSource(write_avi(tmp_path / "a.avi", 10, fps=25.0))
    frames = list(src)
    assert [f.index for f in frames] == list(range(10))
    assert np.allclose([f.t_s for f in frames], np.arange(10) * 0.04)
    assert src.stats.timestamp_source == "container"
    assert src.stats.dropped_frames == 0


def test_it_uses_real_timestamps_and_counts_dropped_frames(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = tmp_path / "vfr.mp4"
    ticks = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]  # frames 4 and 5 never arrived
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = fractions.Fraction(1, 30)
        for i, tick in enumerate(ticks):
            img = np.full((48, 64, 3), i * 20, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = tick
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    src = FrameSource(path)
    frames = list(src)
    assert len(frames) == 10
    assert np.allclose([f.t_s for f in frames], np.array(ticks) / 30, atol=1e-3)
    assert src.stats.dropped_frames == 2
    assert src.stats.drop_events == 1


class FakeCapture:
    """Plays back given timestamps (ms); 0 everywhere mimics a stream without them."""

    def __init__(self, stamps_ms: list[float], fps: float = 10.0) -> None:
        self.stamps = stamps_ms
        self.fps = fps
        self.i = -1

    def isOpened(self) -> bool:
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.i += 1
        if self.i >= len(self.stamps):
            return False, None
        return True, np.zeros((4, 4, 3), np.uint8)

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_POS_MSEC:
            return self.stamps[self.i]
        if prop == cv2.CAP_PROP_FPS:
            return self.fps
        if prop == cv2.CAP_PROP_FRAME_COUNT:
            return float(len(self.stamps))
        return 0.0

    def release(self) -> None:
        pass


def fake_source(stamps: list[float], fps: float = 10.0) -> FrameSource:
    return FrameSource("rtsp://camera/stream", capture_factory=lambda s: FakeCapture(stamps, fps))


def test_it_skips_and_counts_duplicated_timestamps() -> None:
    src = fake_source([0, 100, 200, 200, 150, 300])
    frames = list(src)
    assert [f.index for f in frames] == [0, 1, 2, 5]
    assert [round(f.t_s, 3) for f in frames] == [0.0, 0.1, 0.2, 0.3]
    assert src.stats.duplicate_frames == 2


def test_it_falls_back_to_the_nominal_rate_only_without_timestamps(
    caplog: pytest.LogCaptureFixture,
) -> None:
    src = fake_source([0, 0, 0, 0], fps=20.0)
    frames = list(src)
    assert [f.t_s for f in frames] == pytest.approx([0.0, 0.05, 0.10, 0.15])
    assert src.stats.timestamp_source == "nominal_fps"
    assert "no frame timestamps" in caplog.text


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoSourceError, match=r"missing\.mp4 does not exist"):
        list(FrameSource(tmp_path / "missing.mp4"))


def test_it_rejects_a_file_that_is_not_a_video(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).integers(0, 255, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(VideoSourceError, match=r"junk\.mp4"):
        list(FrameSource(junk))


def test_it_reports_a_truncated_file_with_the_frame(tmp_path: Path) -> None:
    path = write_avi(tmp_path / "cut.avi", 40)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    src = FrameSource(path)
    seen = []
    with pytest.raises(VideoSourceError, match=r"cut\.avi.*(frame \d+|corrupt)"):
        for frame in src:
            seen.append(frame.index)
    assert len(seen) < 40
