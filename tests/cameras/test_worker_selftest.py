"""The worker self-tests on its first seconds of frames and again each new local day; the
result is stored and audited, reported in the heartbeat, and a failed one makes the
gate refuse the day's violations."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from django.utils import timezone

from cameras.models import SelfTest
from cameras.vision.measure.source import Frame
from cameras.worker import wiring
from cameras.worker.delivery import Delivery
from cameras.worker.selfcheck import FULL_EVERY, THUMB_WIDTH, SelfTestSchedule, Thumbs
from cameras.worker.wiring import build_worker, clock_offset_s
from enforcement.services import violation_record
from policy.models import AuditEvent
from tests.cameras.clips import MIXED, Clip, render
from tests.cameras.test_worker_loop import FakeSource, _worker
from tests.factories import enforceable_camera


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Thumbs, float | None]] = []

    def __call__(self, frames: Thumbs, nominal_fps: float | None) -> dict[str, Any]:
        self.calls.append((frames, nominal_fps))
        return {"passed": True, "frames": len(frames)}


def test_it_keeps_thumbnails_but_one_full_frame_a_second_for_the_focus_check() -> None:
    recorder = Recorder()
    schedule = SelfTestSchedule(recorder, lambda: date(2026, 5, 4))
    image = np.zeros((720, 1280, 3), np.uint8)
    for i in range(120):
        schedule.observe(Frame(i, i / 30.0, image), 30.0)
    frames = recorder.calls[0][0]
    full = [i for i, (_, kept) in enumerate(frames) if kept.shape == (720, 1280)]
    assert full == list(range(0, len(frames), FULL_EVERY)) and len(full) == 4
    assert all(kept.shape[1] == THUMB_WIDTH for i, (_, kept) in enumerate(frames) if i not in full)


def test_the_worker_self_tests_its_first_three_seconds_and_again_on_a_new_day(
    tmp_path: Path,
) -> None:
    days = iter([date(2026, 5, 4)] * 150 + [date(2026, 5, 5)] * 1000)
    recorder = Recorder()
    worker, beats = _worker(tmp_path, [FakeSource(300)], live=False)
    worker.selftest = SelfTestSchedule(recorder, lambda: next(days))
    assert worker.run() == 0
    first, second = recorder.calls
    times = [t for t, _ in first[0]]
    assert times[0] == 0.0 and 3.0 <= times[-1] < 3.1  # the first three seconds
    assert all(thumb.ndim == 2 and thumb.shape[1] <= THUMB_WIDTH for _, thumb in first[0])
    assert second[0][0][0] > 3.0  # the next day's frames, not the first ones again
    assert beats[-1]["details"]["selftest"]["passed"]


def test_frames_of_a_stream_that_dropped_are_not_a_self_test(tmp_path: Path) -> None:
    recorder = Recorder()
    worker, _ = _worker(tmp_path, [FakeSource(30, drop=True), FakeSource(120)])
    worker.selftest = SelfTestSchedule(recorder, lambda: date(2026, 5, 4))
    original = worker._segment

    def segment() -> str:
        outcome = original()
        if worker.stats.segments == 2:
            worker.request_stop()
        return outcome

    worker._segment = segment  # type: ignore[method-assign]
    worker.run()
    ((frames, _),) = recorder.calls
    assert len(frames) == 91 and frames[0][0] == 0.0  # all from the second connection


def test_a_self_test_that_could_not_be_recorded_is_retried() -> None:
    outcomes: list[Any] = [ConnectionError("database unreachable"), {"passed": True}]

    def run(frames: Thumbs, fps: float | None) -> dict[str, Any]:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return dict(outcome)

    schedule = SelfTestSchedule(run, lambda: date(2026, 5, 4), seconds=0.1, retry_s=0)
    image = np.zeros((4, 4, 3), np.uint8)
    for i in range(10):
        schedule.observe(Frame(i, i / 30, image), 30.0)
    assert schedule.result == {"passed": True} and schedule.runs == 1
    assert not schedule.due()


def _frozen_then(clip: Clip, out: Path, frozen_s: float = 3.5) -> Path:
    """The clip, after ``frozen_s`` of its first frame repeated: a camera whose picture
    hung at start-up. The speeders pass later, while the self-test is the failed one.
    Lossless (FFV1), so the repeated frames decode identical, as a hung camera sends them."""
    if out.exists():
        return out
    cap = cv2.VideoCapture(str(clip.video))
    fps = cap.get(cv2.CAP_PROP_FPS)
    ok, first = cap.read()
    assert ok
    tmp = out.with_suffix(".tmp.mkv")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"FFV1"), fps,
                             (first.shape[1], first.shape[0]))  # fmt: skip
    for _ in range(round(frozen_s * fps)):
        writer.write(first)
    while ok:
        writer.write(first)
        ok, first = cap.read()
    writer.release()
    cap.release()
    tmp.replace(out)
    return out


@pytest.mark.slow
@pytest.mark.django_db
def test_a_frozen_camera_fails_its_self_test_and_the_gate_refuses_its_violations(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clips = tmp_path_factory.getbasetemp() / "worker-clips"
    clips.mkdir(exist_ok=True)
    mixed = render(clips, "mixed", MIXED)
    video = _frozen_then(mixed, clips / "frozen-start.mkv")
    settings.FAIRSPEED = {**settings.FAIRSPEED, "SPOOL_DIR": str(tmp_path / "spool"),
                          "KEYS_DIR": str(tmp_path / "keys")}  # fmt: skip
    camera = enforceable_camera(source_url=str(video))  # with a self-test passed earlier today
    camera.calibrations.update(data=mixed.calibration)
    # In process, inside the test's transaction: the worker must not close the connection.
    monkeypatch.setattr(wiring, "close_old_connections", lambda: None)
    worker = build_worker(camera.code, once=True, detector="motion", heartbeat_every_s=0)
    delivery = worker.parts.delivery
    assert delivery is not None
    worker.parts.delivery = None  # delivered below, on this thread, into the test database
    assert worker.run() == 0

    selftest = SelfTest.objects.filter(camera=camera).latest("ran_at")
    assert not selftest.passed and "frozen" in selftest.reason
    assert selftest.checks and worker.selftest is not None
    verdicts = {c["name"]: c["verdict"] for c in selftest.checks}
    # Focus is judged on the full-resolution frames the worker keeps: the frozen picture
    # is sharp; the synthetic camera's 21 px plates are a warning, not a failure.
    assert verdicts["zone_sharpness"] == "pass" and verdicts["plate_width"] == "warn"
    assert worker.selftest.result["id"] == selftest.pk
    assert AuditEvent.objects.filter(action="selftest.recorded", object_id=str(selftest.pk))
    spool = worker.parts.spool
    pending = spool.pending()
    assert len(pending) == len(mixed.speeders) == 2  # still measured and sent...
    for entry in pending:
        violation, created = violation_record(Delivery.message_for(delivery, spool.message(entry)))
        assert created and violation.status == "rejected"  # ...and refused by the gate
        assert f"no passed self-test on {timezone.localdate()}" in violation.status_reason
    spool.close()


@pytest.mark.django_db
def test_with_sqlite_or_postgresql_the_clock_offset_is_measured(settings: Any) -> None:
    offset = clock_offset_s()
    assert abs(offset) < 1.0  # the test database runs on this machine
    assert timedelta(seconds=offset) < timedelta(seconds=1)
