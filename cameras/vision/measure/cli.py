"""``measure`` command logic, Django-free: one JSON line per vehicle that crossed the zone.

``python manage.py measure`` is a thin wrapper around :func:`run`; an edge box without
Django can call ``python -m cameras.vision.measure.cli`` instead. Exit codes: 0 success, 2 bad
input (calibration, video, detector choice), with a message on stderr naming the problem.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Protocol

from cameras.vision.errors import CalibrationError, DetectorError, VideoSourceError
from cameras.vision.measure.calibration import load_calibration
from cameras.vision.measure.pipeline import MeasurementPipeline, measure_video


class Writer(Protocol):
    """A text stream (sys.stdout, io.StringIO, Django's OutputWrapper)."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments (shared with the Django management command)."""
    parser.add_argument("video", help="video file path, RTSP/HTTP URL, or camera device index")
    parser.add_argument(
        "--calibration", required=True, help="calibration JSON (image/world points, zone)"
    )
    parser.add_argument("--detector", choices=("auto", "yolo", "motion"), default="auto")
    parser.add_argument(
        "--weights", default=None, help="YOLO weights (default: $FAIRSPEED_YOLO_WEIGHTS)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--samples", action="store_true", help="include per-sample frames and boxes"
    )
    parser.add_argument(
        "--stats", action="store_true", help="print per-stage throughput to stderr at the end"
    )


def run(
    args: argparse.Namespace, stdout: Writer | None = None, stderr: Writer | None = None
) -> int:
    """Measure ``args.video``; returns the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    os.environ.setdefault("YOLO_OFFLINE", "1")  # nothing is downloaded at run time
    source: str | int = int(args.video) if str(args.video).isdigit() else str(args.video)
    pipes: list[MeasurementPipeline] = []
    count = 0
    try:
        calibration = load_calibration(args.calibration)
        # ultralytics prints first-run notices on stdout; stdout carries only JSON lines.
        with contextlib.redirect_stdout(err):  # type: ignore[type-var]
            passages = measure_video(
                source,
                calibration,
                detector=args.detector,
                weights=args.weights,
                progress=not args.no_progress,
                pipeline_out=pipes,
            )
            for passage in passages:
                out.write(json.dumps(passage.to_json(include_samples=args.samples)) + "\n")
                out.flush()
                count += 1
    except (CalibrationError, VideoSourceError, DetectorError) as exc:
        err.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    if pipes:
        pipe = pipes[0]
        err.write(f"detector: {pipe.detector.describe()}; {count} vehicle(s) in the zone\n")
        if args.stats:
            fps = pipe.timings.fps()
            err.write(
                "throughput (frames/s): "
                + ", ".join(f"{k} {v:.1f}" for k, v in fps.items())
                + f" over {pipe.timings.frames} frames\n"
            )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="measure", description="Measure vehicle speeds through a calibrated zone."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
