"""Evidence building off the frame loop: a bounded queue and one background thread.

Redacting two or three stills, reading the plate and signing take a second or more per
violation; done in the frame loop they stall it and a live stream falls behind. The loop
hands each violator's few frames over (``submit``) and carries on; the thread builds the
package and puts it in the spool, where it becomes durable.

The loop waits only when ``max_queue`` violations are already waiting (a burst of
speeders on a slow box): that bounds the unredacted frames in memory, and each wait is
counted and timed for the heartbeat, so an operator sees a box that cannot keep up.

Durability window: between the passage being decided and ``Spool.put`` returning, the
event exists only in memory (at most ``max_queue`` + 1 of them). A clean stop (SIGTERM,
end of file) drains the queue before the worker exits; a hard crash (SIGKILL, power
cut, OOM) in that window loses those violations. Closing it would mean writing the
unredacted frames to disk first, which the privacy rule forbids (nothing unredacted is
ever written); a file rerun rebuilds the same event ids, a live stream cannot.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cameras.vision.measure.speed import Passage
from cameras.worker.ring import HeldFrame
from cameras.worker.violation import ViolationDraft

log = logging.getLogger(__name__)

MakeViolation = Callable[[Passage, list[HeldFrame], datetime], ViolationDraft]


class EventSink(Protocol):
    """Where a built violation goes: the worker's durable spool, or the evidence audit's
    output folder. Returns False (and changes nothing) for an event id it already has;
    a spool whose disk is full holds the event in memory until it fits."""

    def put_waiting(self, event_id: str, payload: dict[str, Any], package: bytes) -> bool: ...


@dataclass(frozen=True)
class Job:
    passage: Passage
    held: list[HeldFrame]
    start: datetime


def evidence_frames(passage: Passage, held: list[HeldFrame]) -> list[HeldFrame]:
    """The held frames the package can use: entry, exit and the one where the vehicle is
    largest (its plate still), as build_violation picks them. Handing over only these
    keeps a queued violation to three frames instead of the ring's eight."""
    in_zone = set(passage.frame_indices)
    usable = [h for h in held if h.frame.index in in_zone] or held
    if len(usable) <= 3:
        return list(usable)

    def area(h: HeldFrame) -> float:
        x1, y1, x2, y2 = h.target_box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)

    largest = max(usable, key=area)
    keep = {usable[0].frame.index, usable[-1].frame.index, largest.frame.index}
    return [h for h in usable if h.frame.index in keep]


class EvidenceBuilder:
    def __init__(
        self,
        make_violation: MakeViolation,
        spool: EventSink,
        *,
        camera_code: str = "",
        max_queue: int = 4,
        warm_up: Callable[[], None] | None = None,
    ) -> None:
        self.make_violation = make_violation
        self.warm_up = warm_up
        self.spool = spool
        self.camera_code = camera_code
        self.max_queue = max_queue
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._outstanding = 0  # submitted and not yet spooled (or failed)
        self.spooled = 0
        self.duplicates = 0
        self.failures = 0
        self.last_error = ""
        self.waits = 0  # submits that found the queue full
        self.waited_s = 0.0  # frame-loop time lost waiting for room
        self.build_s_max = 0.0

    # -- the frame loop's side -------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="evidence", daemon=True)
            self._thread.start()

    def submit(self, passage: Passage, held: list[HeldFrame], start: datetime) -> None:
        job = Job(passage, evidence_frames(passage, held), start)
        with self._lock:
            self._outstanding += 1
        if self._thread is None:  # not started (tests, one-off tools): build inline
            self._build(job)
            return
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            t0 = time.monotonic()
            log.warning("camera %s: evidence queue full (%d); the frame loop waits",
                        self.camera_code, self.max_queue)  # fmt: skip
            self._queue.put(job)
            with self._lock:
                self.waits += 1
                self.waited_s += time.monotonic() - t0

    @property
    def pending(self) -> int:
        """Violations not yet in the spool: queued plus the one being built."""
        return self._outstanding

    def drain(self) -> None:
        """Build everything queued, then end the thread. Unbounded on purpose: what is
        queued exists nowhere else (the queue holds at most ``max_queue`` jobs)."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "queued": self._outstanding,
                "max_queue": self.max_queue,
                "spooled": self.spooled,
                "failures": self.failures,
                "backpressure_waits": self.waits,
                "backpressure_s": round(self.waited_s, 3),
                "build_s_max": round(self.build_s_max, 3),
            }

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        if self.warm_up is not None:
            try:
                self.warm_up()
            except Exception:  # a real build will report the same problem, per violation
                log.exception("camera %s: evidence warm-up failed", self.camera_code)
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._build(job)

    def _build(self, job: Job) -> None:
        try:
            self._build_and_spool(job)
        finally:
            with self._lock:
                self._outstanding -= 1

    def _build_and_spool(self, job: Job) -> None:
        t0 = time.monotonic()
        track = job.passage.track_id
        try:
            draft = self.make_violation(job.passage, job.held, job.start)
            # A full disk holds the event in memory until deliveries free space.
            fresh = self.spool.put_waiting(draft.event_id, draft.event, draft.package)
        except Exception as exc:  # one bad package must not end the thread
            with self._lock:
                self.failures += 1
                self.last_error = f"evidence for track {track}: {exc}"[:300]
            log.exception("camera %s: no evidence for track %d", self.camera_code, track)
            return
        with self._lock:
            self.build_s_max = max(self.build_s_max, time.monotonic() - t0)
            if fresh:
                self.spooled += 1
            else:
                self.duplicates += 1
        if fresh:
            p = job.passage
            log.info("camera %s: violation %s spooled (%.1f ± %.1f km/h)",
                     self.camera_code, draft.event_id, p.speed_kmh, p.uncertainty_kmh)  # fmt: skip
        else:
            log.info("camera %s: %s already spooled or sent", self.camera_code, draft.event_id)
