"""``evidence_audit`` logic, Django-free: the worker's evidence for every passage over the
limit in a recorded video, written out for a person to look at before a camera goes live.

It runs the camera worker's own parts over the file - the measurement pipeline feeding
the evidence ring (ring.py), the privacy rule (privacy.py), the evidence builder
(builder.py) and ``build_violation`` (violation.py) - so a package here is byte for byte
what the worker would spool for the same passage, event id included (the recording's
start is taken from the file as the worker takes it). Instead of the spool, each package
is unpacked under ``OUT/<event id>/`` and described on one JSON line; no database, no
broker. The packages are signed with a throwaway key (its public half is written to
``OUT/signing_key.pub.pem``) unless ``--key`` names the camera's own key file.

Exit codes: 0 success, 2 bad input (calibration, video, detector), 3 some package could
not be built (named on stderr; the others are still written).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cameras.vision.errors import CalibrationError, DetectorError, VideoSourceError
from cameras.vision.evidence.package import (
    DEFAULT_MAX_PACKAGE_BYTES,
    MANIFEST,
    package_from_bytes,
    warm_up,
)
from cameras.vision.evidence.signing import SigningKey, generate_key, load_private_key
from cameras.vision.measure.calibration import Calibration, load_calibration
from cameras.vision.measure.cli import Writer
from cameras.vision.measure.departure import zone_test
from cameras.vision.measure.pipeline import (
    MeasurementPipeline,
    detector_for,
    seed_background_from_file,
)
from cameras.vision.measure.source import FrameSource
from cameras.vision.measure.speed import Passage, SpeedConfig
from cameras.worker.builder import EvidenceBuilder
from cameras.worker.privacy import EnforcementRule
from cameras.worker.ring import EvidenceRing, HeldFrame
from cameras.worker.violation import ViolationDraft, build_violation

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_BUILD_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", help="recorded video file")
    parser.add_argument("--calibration", required=True, help="calibration JSON")
    parser.add_argument("--out", required=True, help="folder for the packages (DIR/<event id>/)")
    parser.add_argument("--detector", choices=("auto", "yolo", "motion"), default="auto")
    parser.add_argument("--weights", default=None, help="YOLO weights (default: as measure)")
    parser.add_argument(
        "--limit-kmh", type=float, default=None, help="default: the calibration's limit"
    )
    parser.add_argument(
        "--threshold-kmh", type=float, default=0.0,
        help="tolerance over the limit, as the jurisdiction's (default 0)",
    )  # fmt: skip
    parser.add_argument("--camera", default="audit", help="camera code for ids and stills")
    parser.add_argument("--max-frames", type=int, default=None, help="read only the first N frames")
    parser.add_argument("--key", default=None, help="the camera's private key file (PEM)")


@dataclass
class FolderSink:
    """An EventSink that unpacks each package into ``out/<event id>/``."""

    out: Path
    written: list[tuple[str, dict[str, Any], Path]]

    def put_waiting(self, event_id: str, payload: dict[str, Any], package: bytes) -> bool:
        return self.put(event_id, payload, package)  # a folder has no full-disk wait

    def put(self, event_id: str, payload: dict[str, Any], package: bytes) -> bool:
        target = self.out / event_id
        if target.exists():
            return False
        package_from_bytes(package, target, max_bytes=DEFAULT_MAX_PACKAGE_BYTES)
        self.written.append((event_id, payload, target))
        return True


def recording_start(path: Path, src: FrameSource) -> datetime:
    """When a recorded file began, as the camera worker dates a file: its last write
    minus its duration, to the millisecond (so the event ids match the worker's)."""
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    frames, fps = src.stats.expected_frames or 0, src.stats.nominal_fps or 0.0
    duration = frames / fps if frames and fps else 0.0
    return (mtime - timedelta(seconds=duration)).replace(
        microsecond=(mtime.microsecond // 1000) * 1000
    )


def _pipeline(
    src: FrameSource, calibration: Calibration, kind: str, weights: str | None, ring: EvidenceRing
) -> MeasurementPipeline:
    """The pipeline as the worker makes it: detector over the zone's ROI, the motion
    detector's background seeded from the file, the ring as the observer."""
    width, height = src.frame_size
    det = detector_for(calibration, kind, weights, width, height)
    if det.describe().lower().startswith("motion"):
        seed_background_from_file(det, src.source)
    return MeasurementPipeline(calibration, det, frame_size=(width, height), observer=ring.observe)


def _passages(
    src: FrameSource, pipe: MeasurementPipeline, ring: EvidenceRing, max_frames: int | None
) -> Iterator[Passage]:
    """The worker loop's frame step (loop.CameraWorker._frame): passages as vehicles leave,
    the ring pruned of vehicles the tracker dropped, the rest measured at the end."""
    widened = False
    for n, frame in enumerate(src):
        if max_frames is not None and n >= max_frames:
            break
        if not widened and src.stats.timestamp_source != "container":
            widened = True  # nominal-rate timestamps: as the worker, widen U
            cfg = pipe.estimator.config
            sigma = max(cfg.timestamp_sigma_s, 0.002)
            pipe.estimator.config = SpeedConfig(**{**cfg.__dict__, "timestamp_sigma_s": sigma})
        yield from pipe.process(frame)
        ring.prune(set(pipe.tracker.active))
    yield from pipe.finish()


def describe(event_id: str, payload: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The JSON line for one package (the contract in the architecture document)."""
    manifest = json.loads((folder / MANIFEST).read_bytes())
    measurement, plate = manifest["measurement"], manifest["plate"]
    stills = [f for f in manifest["files"] if "obscured" in f]
    return {
        "event_id": event_id,
        "track_id": measurement["track_id"],
        "speed_kmh": measurement["speed_kmh"],
        "uncertainty_kmh": measurement["uncertainty_kmh"],
        "limit_kmh": measurement["limit_kmh"],
        "files": [str(folder / f["name"]) for f in manifest["files"]],
        "plate": {k: plate.get(k) for k in ("text", "confidence", "needs_human", "reason")},
        "obscured": {f["name"]: f["obscured"] for f in stills},
        "targets": {f["name"]: f["target_box"] for f in stills},
    }


def audit_video(
    video: Path,
    calibration: Calibration,
    out: Path,
    *,
    key: SigningKey,
    detector: str = "auto",
    weights: str | None = None,
    limit_kmh: float | None = None,
    threshold_kmh: float = 0.0,
    camera_code: str = "audit",
    max_frames: int | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Build every package; returns the JSON lines and the build failures."""
    rule = EnforcementRule(limit_kmh or calibration.speed_limit_kmh, threshold_kmh)
    src = FrameSource(str(video), fallback_fps=calibration.fps)
    src.open()
    start = recording_start(video, src)
    ring = EvidenceRing(zone_test(calibration.plane, calibration.zone))
    pipe = _pipeline(src, calibration, detector, weights, ring)
    out.mkdir(parents=True, exist_ok=True)
    sink = FolderSink(out, [])
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".audit-", dir=out) as work:

        def make_violation(passage: Passage, held: list[HeldFrame], at: datetime) -> ViolationDraft:
            return build_violation(
                passage=passage, held=held, camera_code=camera_code, calibration_version=None,
                limit_kmh=rule.limit_kmh, stream_start=at, key=key,
                max_package_bytes=DEFAULT_MAX_PACKAGE_BYTES, work_dir=Path(work),
                worker={"id": "evidence_audit", "detector": detector},
            )  # fmt: skip

        builder = EvidenceBuilder(make_violation, sink, camera_code=camera_code)
        try:
            for passage in _passages(src, pipe, ring, max_frames):
                try:
                    if rule.enforceable(passage):  # not started: builds inline
                        builder.submit(passage, ring.frames_for(passage.track_id), start)
                        if builder.last_error:
                            failures.append(builder.last_error)
                            builder.last_error = ""
                finally:
                    ring.release(passage.track_id)
        finally:
            src.close()
    return [describe(eid, payload, folder) for eid, payload, folder in sink.written], failures


def run(
    args: argparse.Namespace, stdout: Writer | None = None, stderr: Writer | None = None
) -> int:
    out_stream, err = stdout or sys.stdout, stderr or sys.stderr
    os.environ.setdefault("YOLO_OFFLINE", "1")  # nothing is downloaded at run time
    out = Path(args.out)
    try:
        calibration = load_calibration(args.calibration)
        if not Path(args.video).is_file():
            raise VideoSourceError(f"{args.video}: no such video file")
        key = load_private_key(Path(args.key)) if args.key else generate_key()
        out.mkdir(parents=True, exist_ok=True)
        (out / "signing_key.pub.pem").write_bytes(key.public_key.to_pem())
        warm_up()
        with contextlib.redirect_stdout(err):  # type: ignore[type-var]
            lines, failures = audit_video(
                Path(args.video), calibration, out, key=key, detector=args.detector,
                weights=args.weights, limit_kmh=args.limit_kmh,
                threshold_kmh=args.threshold_kmh, camera_code=args.camera,
                max_frames=args.max_frames,
            )  # fmt: skip
    except (CalibrationError, VideoSourceError, DetectorError, ValueError, OSError) as exc:
        err.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    for line in lines:
        out_stream.write(json.dumps(line, ensure_ascii=False) + "\n")
    out_stream.flush()
    for failure in failures:
        err.write(f"error: {failure}\n")
    err.write(f"{len(lines)} package(s) under {out}; {len(failures)} could not be built\n")
    return EXIT_BUILD_FAILED if failures else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evidence_audit", description=__doc__.splitlines()[0])
    add_arguments(parser)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
