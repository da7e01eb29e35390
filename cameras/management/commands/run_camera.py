"""``manage.py run_camera CAMERA``: the camera worker (see cameras/worker/).

Continuous by default on the camera's source URL (reconnecting when a stream drops), or
one pass over a file with ``--source FILE --once``. SIGTERM/SIGINT stop it cleanly.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from cameras.vision.errors import VisionError
from cameras.worker.loop import EXIT_OK
from cameras.worker.wiring import WorkerSetupError, build_worker


def _when(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None or moment.tzinfo is None:
        raise ValueError("--start-time must be ISO 8601 with a time zone")
    return moment


class Command(BaseCommand):
    help = "Run the camera worker: measure, keep counts, send violations with signed evidence."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("camera", help="camera code")
        parser.add_argument(
            "--source", help="file, RTSP URL or device index (default: the camera's)"
        )
        parser.add_argument(
            "--once", action="store_true", help="one pass over the source, then exit"
        )
        parser.add_argument("--detector", choices=["auto", "yolo", "motion"], default="auto")
        parser.add_argument("--weights", help="YOLO weights (default $FAIRSPEED_YOLO_WEIGHTS)")
        parser.add_argument(
            "--start-time",
            type=_when,
            help="wall time of the source's first frame (default: now for streams, the "
            "file's last write minus its duration for files)",
        )
        parser.add_argument("--heartbeat-every", type=float, default=10.0, metavar="SECONDS")
        parser.add_argument("--counts-every", type=float, default=60.0, metavar="SECONDS")
        parser.add_argument(
            "--drain-timeout",
            type=float,
            default=10.0,
            metavar="SECONDS",
            help="on exit, how long to keep sending spooled events (the rest stay spooled)",
        )
        parser.add_argument(
            "--realtime",
            action="store_true",
            help="play a file at its own frame rate, stamped with the wall clock, as a live "
            "camera would deliver it (demos and latency benchmarks)",
        )
        parser.add_argument("--reconnect-base", type=float, default=1.0, metavar="SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] >= 1:
            logging.getLogger("cameras").setLevel(logging.INFO)
        try:
            worker = build_worker(
                options["camera"],
                source=options["source"],
                once=options["once"],
                detector=options["detector"],
                weights=options["weights"],
                start_time=options["start_time"],
                heartbeat_every_s=options["heartbeat_every"],
                counts_every_s=options["counts_every"],
                drain_timeout_s=options["drain_timeout"],
                reconnect_base_s=options["reconnect_base"],
                realtime=options["realtime"],
            )
        except (WorkerSetupError, VisionError) as exc:
            raise CommandError(str(exc)) from exc
        worker.install_signal_handlers()
        rc = worker.run()
        stats, spool = worker.stats, worker.parts.spool
        delivery = worker.parts.delivery
        report = {
            "camera": options["camera"],
            "frames": stats.frames,
            "passages": stats.passages,
            "enforceable": stats.enforceable,
            "rejected": dict(sorted(stats.rejected.items())),  # by reason, counts only
            "violations": worker.builder.spooled,  # enforceable, with evidence, spooled
            "violations_sent": delivery.sent if delivery is not None else 0,
            "spool_pending": spool.size().pending,
            "evidence_failures": worker.builder.failures,
            "reconnects": stats.reconnects,
            "selftest": worker.selftest.result if worker.selftest is not None else None,
        }
        spool.close()
        # One JSON line on stdout: what `make demo` and scripts read.
        self.stdout.write(json.dumps(report))
        if rc != EXIT_OK:
            raise CommandError(f"the source failed: {stats.last_error}", returncode=rc)
