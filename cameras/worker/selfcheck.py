"""When the worker runs its self-test, and on which frames (Django-free; the test itself
is cameras.services.selftest, reached through the ``run`` callable).

The gate refuses every violation of a day without a passed self-test, so the worker runs
one as soon as it starts and again on the first frames of each new local day. The test
looks at the first ``seconds`` of frames of a segment: their timestamps (frame rate,
gaps) and their picture (brightness, detail, change, focus over the zone). Only a
160-pixel grey thumbnail of each is kept, which is all the timing and picture checks
look at (three seconds of 720p would be 250 MB), except every ``FULL_EVERY``-th frame,
kept grey at full resolution for the focus check (3-4 frames: 3.7 MB at 720p).

A failed self-test stands for the rest of the day: rerunning until one passes would make
the check meaningless. An operator who fixed the camera restarts the worker, which tests
again. A self-test that could not be recorded (database away) is retried a minute later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.source import Frame

log = logging.getLogger(__name__)

# The width cameras.services.selftest reduces every frame to before measuring it.
THUMB_WIDTH = 160
# Frames kept at full resolution: every 30th (once a second at 30 fps), as many as the
# self-test's zone-sharpness check samples (every tenth of the frames it is given).
FULL_EVERY = 30

Thumbs = list[tuple[float, NDArray[np.uint8]]]
# (frames as (t_s, grey thumbnail), nominal fps or None) -> summary for the heartbeat
RunSelfTest = Callable[[Thumbs, float | None], dict[str, Any]]


def grey(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    out = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.asarray(out, dtype=np.uint8)


def thumbnail(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    grey_image = grey(image)
    h, w = grey_image.shape[:2]
    if w > THUMB_WIDTH:
        size = (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w)))
        return np.asarray(cv2.resize(grey_image, size, interpolation=cv2.INTER_AREA), np.uint8)
    return grey_image


class SelfTestSchedule:
    def __init__(
        self,
        run: RunSelfTest,
        today: Callable[[], date],
        *,
        seconds: float = 3.0,
        retry_s: float = 60.0,
    ) -> None:
        self.run = run
        self.today = today
        self.seconds = seconds
        self.retry_s = retry_s
        self.tested_on: date | None = None
        self.result: dict[str, Any] = {"status": "pending"}
        self.runs = 0
        self._frames: Thumbs = []
        self._retry_at = 0.0

    def due(self) -> bool:
        return self.tested_on != self.today() and time.monotonic() >= self._retry_at

    def observe(self, frame: Frame, nominal_fps: float | None) -> None:
        """Called for every frame; cheap unless a self-test is being collected."""
        if not self._frames and not self.due():
            return
        full = len(self._frames) % FULL_EVERY == 0
        self._frames.append((frame.t_s, grey(frame.image) if full else thumbnail(frame.image)))
        if frame.t_s - self._frames[0][0] >= self.seconds:
            self._run(nominal_fps)

    def segment_ended(self, nominal_fps: float | None, *, complete: bool) -> None:
        """A file that ended is tested on what it gave (a too-short one fails the frame
        count, as it should); frames of a dropped or stopped stream are discarded and the
        next segment is tested instead (timestamps do not run across a reconnect)."""
        if self._frames and complete:
            self._run(nominal_fps)
        self._frames = []

    def _run(self, nominal_fps: float | None) -> None:
        frames, self._frames = self._frames, []
        try:
            self.result = self.run(frames, nominal_fps)
        except Exception as exc:
            self._retry_at = time.monotonic() + self.retry_s
            self.result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
            log.warning("self-test not recorded (retry in %.0f s): %s", self.retry_s, exc)
            return
        self.runs += 1
        self.tested_on = self.today()
        log.log(
            logging.INFO if self.result.get("passed") else logging.WARNING,
            "self-test %s%s",
            "passed" if self.result.get("passed") else "FAILED",
            "" if self.result.get("passed") else f": {self.result.get('reason', '')}",
        )
