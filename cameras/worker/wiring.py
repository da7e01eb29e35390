"""Django glue for the camera worker: camera row, calibration, keys, spool, broker, DB.

Everything the Django-free loop (cameras.worker.loop) needs is built here from the
camera's row and settings.FAIRSPEED; nothing else in cameras/worker imports Django.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from cameras.limits import max_message_bytes, max_package_bytes
from cameras.models import Calibration as CalibrationRow
from cameras.models import Camera
from cameras.selectors import calibration_current
from cameras.services.counts import traffic_count_add
from cameras.services.heartbeat import heartbeat_record, queue_depth
from cameras.services.receipts import receipts_for
from cameras.services.selftest import selftest_run
from cameras.vision.event import RECORD_VIOLATION_TASK, VIOLATIONS_QUEUE
from cameras.vision.evidence.package import warm_up
from cameras.vision.evidence.signing import (
    SigningKey,
    generate_key,
    load_private_key,
    save_private_key,
)
from cameras.vision.measure.calibration import Calibration
from cameras.vision.measure.departure import zone_test
from cameras.vision.measure.detect import Detector
from cameras.vision.measure.pipeline import (
    MeasurementPipeline,
    Observer,
    detector_for,
    seed_background_from_file,
)
from cameras.vision.measure.source import Frame, FrameSource
from cameras.vision.measure.speed import Passage
from cameras.worker.delivery import Delivery
from cameras.worker.loop import CameraWorker, SourceLike, WorkerConfig, WorkerParts
from cameras.worker.privacy import EnforcementRule, IntervalCounts
from cameras.worker.ring import HeldFrame
from cameras.worker.selfcheck import Thumbs
from cameras.worker.spool import Spool
from cameras.worker.violation import ViolationDraft, build_violation
from policy.audit import audit_record
from policy.presets import preset_for

log = logging.getLogger(__name__)


class WorkerSetupError(Exception):
    """The camera cannot run: unknown, no calibration, or a key that does not match."""


def is_live(source: str | int) -> bool:
    return isinstance(source, int) or ("://" in source and not source.startswith("file://"))


def parse_source(raw: str) -> str | int:
    return int(raw) if raw.strip().isdigit() else raw


def camera_key(camera: Camera) -> SigningKey:
    """The camera's private key from KEYS_DIR/<code>.key, made on first run.

    Its public half is registered on the camera (audited) the first time; a local key
    that differs from a registered one is refused: evidence signed with it could not be
    verified, and silently replacing a registered key would defeat the signature.
    """
    keys_dir = Path(str(settings.FAIRSPEED["KEYS_DIR"]))
    keys_dir.mkdir(parents=True, exist_ok=True)
    path = keys_dir / f"{camera.code}.key"
    if path.exists():
        key = load_private_key(path)
    else:
        key = generate_key()
        save_private_key(key, path)
        log.info("camera %s: generated signing key %s", camera.code, key.public_key.key_id)
    pem = key.public_key.to_pem().decode()
    registered = camera.public_key_pem.strip()
    if not registered:
        with transaction.atomic():
            camera.public_key_pem = pem
            camera.save(update_fields=["public_key_pem"])
            audit_record(
                actor=None,
                actor_label=f"camera:{camera.code}",
                action="camera.key_registered",
                obj=camera,
                reason="worker registered its evidence signing key on first run",
                details={"key_id": key.public_key.key_id},
            )
    elif registered != pem.strip():
        raise WorkerSetupError(
            f"camera {camera.code}: the key in {path} is not the one registered for the camera; "
            "restore the original key file or clear the registered key (an operator action)"
        )
    return key


class PacedSource(FrameSource):
    """A file played at its own pace, as a live camera would deliver it (demos, benchmarks)."""

    def __iter__(self) -> Iterator[Frame]:
        t0 = time.monotonic()
        for frame in super().__iter__():
            ahead = frame.t_s - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
            yield frame


class Publisher:
    """Publishes record_violation on one broker connection, failing fast when the broker
    is unreachable: the spool's backoff decides when to try again, not kombu's own
    (unbounded by default) reconnect loop, which would hide the outage from heartbeats
    and hold a stopping worker."""

    def __init__(self, connect_timeout_s: float = 5.0) -> None:
        self.connect_timeout_s = connect_timeout_s
        self._conn: Any = None

    def __call__(self, event: dict[str, Any]) -> None:
        from config.celery import app

        if self._conn is None:
            conn = app.connection_for_write()
            try:
                conn.ensure_connection(
                    max_retries=1, interval_start=0, interval_step=0,
                    timeout=int(self.connect_timeout_s),
                )  # fmt: skip
            except Exception:
                conn.release()
                raise
            self._conn = conn
        try:
            app.send_task(
                RECORD_VIOLATION_TASK,
                args=(event,),
                queue=VIOLATIONS_QUEUE,
                retry=False,
                connection=self._conn,
            )
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a dead connection may fail to close
                self._conn.release()
            self._conn = None


def clock_offset_s() -> float:
    """This machine's clock minus the back office's, as the self-test wants it.

    The back office's clock is the database server's: PostgreSQL's clock_timestamp() (the
    real time, not now()'s transaction start), taken against the midpoint of the round
    trip. SQLite is a file on this machine, so its clock is ours: 0. Frame times need no
    separate term: a stream's (and a --realtime file's) timestamps are counted from the
    moment this machine read its first frame, so they run on this clock.
    """
    if connection.vendor == "sqlite":
        return 0.0
    with connection.cursor() as cursor:
        before = time.time()
        cursor.execute("SELECT clock_timestamp()")
        after = time.time()
        (server,) = cursor.fetchone()
    return (before + after) / 2.0 - server.timestamp()


def file_start_time(path: Path, src: FrameSource) -> datetime:
    """When a recorded file began: its last write minus its duration. Deterministic, so a
    rerun over the same file rebuilds the same event ids (no duplicates)."""
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    frames = src.stats.expected_frames or 0
    fps = src.stats.nominal_fps or 0.0
    duration = frames / fps if frames and fps else 0.0
    return (mtime - timedelta(seconds=duration)).replace(
        microsecond=(mtime.microsecond // 1000) * 1000
    )


def receipts_read(event_ids: list[str]) -> set[str]:
    """Which of these events the back office has receipted (the receipt thread's own
    database connection)."""
    close_old_connections()
    return receipts_for(event_ids)


def upload_evidence(name: str, data: bytes) -> None:
    """Store a package in the evidence storage, replacing one of the same name."""
    storage = storages["evidence"]
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(data))


@dataclass(frozen=True)
class CameraSetup:
    """What the worker takes from the camera's row: its current calibration, the rule it
    enforces and its signing key."""

    camera: Camera
    row: CalibrationRow
    calibration: Calibration
    rule: EnforcementRule
    key: SigningKey


def load_camera(camera_code: str) -> CameraSetup:
    """The camera's setup; a camera that is unknown or has no calibration cannot run."""
    try:
        camera = Camera.objects.select_related("site").get(code=camera_code)
    except Camera.DoesNotExist:
        raise WorkerSetupError(f"no camera {camera_code!r}") from None
    row = calibration_current(camera)
    if row is None:
        raise WorkerSetupError(f"camera {camera.code} has no calibration: calibrate it first")
    calibration = Calibration.from_dict(row.data)
    preset = preset_for(camera.site.jurisdiction)
    rule = EnforcementRule(float(camera.speed_limit_kmh), preset.threshold_kmh)
    return CameraSetup(camera, row, calibration, rule, camera_key(camera))


@dataclass
class CameraHooks:
    """The loop's callables for one camera, on this back office's database and storage."""

    setup: CameraSetup
    raw_source: str | int
    live: bool
    realtime: bool
    detector: str
    weights: str | None
    start_time: datetime | None
    spool_dir: Path
    worker_id: str
    _cached: dict[str, Detector] = field(default_factory=dict)
    # What measures, as the detector describes itself (for YOLO: its engine and precision),
    # carried in each violation so that a reading says what computed it.
    described: str = ""

    def parts(self, spool: Spool, delivery: Delivery) -> WorkerParts:
        calibration = self.setup.calibration
        return WorkerParts(
            open_source=self.open_source,
            make_pipeline=self.make_pipeline,
            in_zone=zone_test(calibration.plane, calibration.zone),
            make_violation=self.make_violation,
            spool=spool,
            delivery=delivery,
            heartbeat=self.heartbeat,
            flush_counts=self.flush_counts,
            segment_start=self.segment_start,
            extra_details=self.extra_details,
            run_selftest=self.run_selftest,
            today=timezone.localdate,
            warm_up=warm_up,
        )

    def open_source(self) -> FrameSource:
        fps = self.setup.calibration.fps
        if self.realtime and not self.live:
            return PacedSource(self.raw_source, fallback_fps=fps)
        return FrameSource(self.raw_source, fallback_fps=fps)

    def make_pipeline(self, src: SourceLike, observer: Observer) -> MeasurementPipeline:
        assert isinstance(src, FrameSource)
        calibration = self.setup.calibration
        width, height = src.frame_size
        cached = self._cached
        if self.detector == "motion" or "det" not in cached:
            # A motion detector's background model must restart with each connection.
            cached["det"] = detector_for(calibration, self.detector, self.weights, width, height)
        det = cached["det"]
        self.described = det.describe()
        if self.described.lower().startswith("motion"):
            cached.pop("det")
            seed_background_from_file(det, src.source)
        return MeasurementPipeline(calibration, det, frame_size=(width, height), observer=observer)

    def segment_start(self, src: SourceLike) -> datetime:
        if self.start_time is not None:
            return self.start_time
        if not self.live and not self.realtime and isinstance(self.raw_source, str):
            assert isinstance(src, FrameSource)
            return file_start_time(Path(self.raw_source), src)
        return datetime.now(UTC)

    def make_violation(
        self, passage: Passage, held: list[HeldFrame], start: datetime
    ) -> ViolationDraft:
        setup = self.setup
        return build_violation(
            passage=passage,
            held=held,
            camera_code=setup.camera.code,
            calibration_version=setup.row.version,
            limit_kmh=setup.rule.limit_kmh,
            stream_start=start,
            key=setup.key,
            max_package_bytes=max_package_bytes(),
            work_dir=self.spool_dir / "build",
            worker={"id": self.worker_id, "detector": self.detector, "described": self.described},
        )

    def run_selftest(self, frames: Thumbs, nominal_fps: float | None) -> dict[str, Any]:
        close_old_connections()
        offset = clock_offset_s()
        # Dated by the back office's clock: the gate looks for it on the back office's day.
        now = timezone.now() - timedelta(seconds=offset)
        camera, row = self.setup.camera, self.setup.row
        result = selftest_run(
            camera, frames, row, now, clock_offset_s=offset, nominal_fps=nominal_fps
        )
        return {
            "id": result.pk,
            "passed": result.passed,
            "ran_at": result.ran_at.isoformat(),
            "reason": result.reason,
            "clock_offset_s": round(offset, 3),
            "frames": len(frames),
        }

    def heartbeat(self, payload: dict[str, Any]) -> None:
        close_old_connections()
        heartbeat_record(self.setup.camera, **payload)

    def flush_counts(self, batch: list[tuple[datetime, IntervalCounts]]) -> None:
        close_old_connections()
        for interval, counts in batch:
            traffic_count_add(
                self.setup.camera,
                interval_start=interval,
                vehicles=counts.vehicles,
                over_limit=counts.over_limit,
                histogram={str(k): v for k, v in sorted(counts.histogram.items())},
            )

    def extra_details(self) -> dict[str, Any]:
        return {
            "queue_depth": queue_depth("violations"),
            "source_kind": "stream" if self.live else "file",
        }


def build_worker(
    camera_code: str,
    *,
    source: str | None = None,
    once: bool = False,
    detector: str = "auto",
    weights: str | None = None,
    start_time: datetime | None = None,
    heartbeat_every_s: float = 10.0,
    counts_every_s: float = 60.0,
    drain_timeout_s: float = 10.0,
    reconnect_base_s: float = 1.0,
    realtime: bool = False,
) -> CameraWorker:
    """The camera's worker: its setup, its spool and delivery, and the loop's callables."""
    setup = load_camera(camera_code)
    camera = setup.camera
    raw_source = parse_source(source if source is not None else camera.source_url)
    live = is_live(raw_source)
    spool_dir = Path(str(settings.FAIRSPEED["SPOOL_DIR"])) / camera.code
    spool = Spool(spool_dir, max_package_bytes=max_package_bytes(), await_receipts=True)
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    delivery = Delivery(
        spool,
        Publisher(),
        max_message_bytes=max_message_bytes(),
        upload=upload_evidence,
        receipts=receipts_read,
        receipt_timeout_s=float(settings.FAIRSPEED["RECEIPT_TIMEOUT_S"]),
    )
    hooks = CameraHooks(
        setup, raw_source, live, realtime, detector, weights, start_time, spool_dir, worker_id
    )
    config = WorkerConfig(
        camera_code=camera.code,
        worker_id=worker_id,
        rule=setup.rule,
        calibration_version=setup.row.version,
        once=once,
        live=live and not once,
        wall_clock=live or realtime,
        heartbeat_every_s=heartbeat_every_s,
        counts_every_s=counts_every_s,
        drain_timeout_s=drain_timeout_s,
        reconnect_base_s=reconnect_base_s,
        detector=detector,
    )
    return CameraWorker(config, hooks.parts(spool, delivery))
