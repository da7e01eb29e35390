"""Fault injection: does every violation arrive exactly once, whatever breaks?

    python -m benchmarks.faults [--events N] [--outage-s S] [--only NAME,...]

Real processes throughout: a camera process (the worker's own spool, delivery thread,
publisher and receipt polling, fed synthetic violation events with a 60 KB evidence
blob), a real Celery worker consuming ``enforcement.record_violation``, a real broker
(redis-server on a spare port, or the on-disk broker), and one database (PostgreSQL when
``DATABASE_URL`` names it, else a SQLite file). Scenarios:

- ``restart/<broker>``: events queued in the broker with no consumer, the broker killed
  (SIGKILL) and started again, then a Celery worker; Redis with append-only persistence,
  with its default snapshots, with none; the on-disk broker (no server process: its
  "restart" is the Celery worker's, and the queue is files);
- ``celery-kill``: the Celery worker killed with SIGKILL three times while it works;
- ``backoffice-down``: no Celery worker for ``--outage-s`` seconds (60 by default, not
  the issue's ten minutes, to fit a short run) while the camera keeps sending;
- ``db-drop``: every database connection of the Celery worker and the camera terminated
  (``pg_terminate_backend``) six times while events flow, with persistent connections
  (``DB_CONN_MAX_AGE=600``) so that each one dropped is in use (PostgreSQL only);
- ``spool-full``: the camera's spool on a 1 MiB tmpfs (``mount -t tmpfs``, needs root),
  so most events wait in memory until deliveries free space.

Each scenario prints sent / stored / duplicated / dead-lettered / lost / resent
(``resent`` counts messages the camera sent again for want of a receipt: absorbed by
idempotency, never stored twice). The run ends with one JSON line:
``{"scenarios": N, "sent": N, "stored": N, "lost": N, "duplicated": N, "dead_lettered": N}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RECEIPT_TIMEOUT_S = 8


# -- the camera process ---------------------------------------------------------------------
def camera_child(code: str, spool_dir: Path, events: int, rate: float, drain_s: float) -> None:
    """Spool ``events`` violations at ``rate`` per second, deliver, wait for receipts."""
    import django

    django.setup()
    from django.db import close_old_connections
    from django.utils import timezone

    from cameras.limits import max_message_bytes
    from cameras.services.receipts import receipts_for
    from cameras.worker.delivery import Delivery
    from cameras.worker.spool import Spool
    from cameras.worker.wiring import Publisher

    def receipts(ids: list[str]) -> set[str]:
        close_old_connections()
        return receipts_for(ids)

    spool = Spool(spool_dir, await_receipts=True)
    delivery = Delivery(
        spool, Publisher(), max_message_bytes=max_message_bytes(), base_delay_s=0.2,
        max_delay_s=2.0, receipts=receipts, receipt_poll_s=0.5,
        receipt_timeout_s=RECEIPT_TIMEOUT_S,
    )  # fmt: skip
    delivery.start()
    blob = os.urandom(60_000)
    for i in range(events):
        event_id = str(uuid.uuid4())
        payload = {
            "schema_version": 1, "event_id": event_id, "camera_code": code,
            "calibration_version": 1, "measured_at": timezone.now().isoformat(),
            "limit_kmh": 50,
            "passage": {"speed_kmh": 80.0 + i % 7, "uncertainty_kmh": 1.0, "valid": True},
            "plate": {"text": "FAULT1", "confidence": 0.9},
        }  # fmt: skip
        spool.put_waiting(event_id, payload, blob, timeout_s=drain_s)
        print(json.dumps({"spooled": event_id}), flush=True)
        time.sleep(1.0 / rate)
    drained = delivery.drain(drain_s)
    delivery.stop()
    size = spool.size()
    print(json.dumps({"done": True, "drained": drained, "resent": delivery.resent,
                      "pending": size.pending, "awaiting": size.awaiting}), flush=True)  # fmt: skip


# -- processes the scenarios start and break -------------------------------------------------
class Proc:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = log.open("ab")
        self.popen = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=self._fh, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._fh.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


REDIS_MODES = {
    "redis-aof": ["--appendonly", "yes", "--save", ""],
    "redis-snapshot": [],  # redis-server's default: RDB snapshots, no append-only file
    "redis-none": ["--appendonly", "no", "--save", ""],
}


@dataclass
class Run:
    """One scenario's processes, folders and tallies."""

    name: str
    broker: str
    tmp: Path
    database_url: str
    events: int
    port: int = 0
    procs: list[Proc] = field(default_factory=list)
    redis: Proc | None = None
    celery: Proc | None = None
    camera: Proc | None = None
    code: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return (
            "filesystem://" if self.broker == "filesystem" else f"redis://127.0.0.1:{self.port}/0"
        )

    def env(self) -> dict[str, str]:
        return {
            **os.environ, "DATABASE_URL": self.database_url, "CELERY_BROKER_URL": self.url,
            "FAIRSPEED_VAR_DIR": str(self.tmp / "var"), "EVIDENCE_ROOT": str(self.tmp / "evidence"),
            "FAIRSPEED_KEYS_DIR": str(self.tmp / "keys"), "YOLO_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING", **self.extra_env,
        }  # fmt: skip

    def start_redis(self) -> None:
        if self.broker == "filesystem":
            return
        self.port = self.port or free_port()
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.tmp), *REDIS_MODES[self.broker]]  # fmt: skip
        self.redis = Proc(argv, dict(os.environ), self.tmp / "redis.log")
        self.procs.append(self.redis)
        if not wait_for(lambda: listening(self.port), 15):
            raise RuntimeError(f"redis-server did not start on {self.port}")

    def start_celery(self) -> None:
        from config.celery import worker_argv

        argv = worker_argv("violations", f"faults-{uuid.uuid4().hex[:6]}", loglevel="WARNING")
        self.celery = Proc(argv, self.env(), self.tmp / "celery.log")
        self.procs.append(self.celery)

    def start_camera(
        self, rate: float, spool_dir: Path | None = None, drain_s: float = 150
    ) -> None:
        spool = spool_dir or self.tmp / "spool"
        argv = [sys.executable, "-m", "benchmarks.faults", "--camera-child", self.code,
                "--spool", str(spool), "--events", str(self.events), "--rate", str(rate),
                "--drain", str(drain_s)]  # fmt: skip
        self.camera = Proc(argv, self.env(), self.tmp / "camera.log")
        self.procs.append(self.camera)

    def camera_lines(self) -> list[dict[str, Any]]:
        text = self.tmp.joinpath("camera.log").read_text(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def spooled(self) -> int:
        return sum("spooled" in line for line in self.camera_lines())

    def awaiting(self) -> int:
        folder = self.tmp / "spool" / "awaiting"
        return len(list(folder.glob("*.event"))) if folder.is_dir() else 0

    def finish(self, timeout: float = 200) -> dict[str, Any]:
        assert self.camera is not None
        try:
            self.camera.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.camera.kill()
        done = next((line for line in self.camera_lines() if line.get("done")), {})
        for proc in reversed(self.procs):
            proc.stop()
        return tally(self, done)


def tally(run: Run, done: dict[str, Any]) -> dict[str, Any]:
    from django.db.models import Count

    from enforcement.models import DeadLetter, Violation

    sent = run.spooled()
    stored_rows = Violation.objects.filter(camera__code=run.code)
    stored = stored_rows.values("event_id").distinct().count()
    rows = stored_rows.count()
    dupes = stored_rows.values("event_id").annotate(n=Count("id")).filter(n__gt=1).count()
    dead = DeadLetter.objects.filter(payload__camera_code=run.code).count()
    return {
        "scenario": run.name, "sent": sent, "stored": stored, "duplicated": rows - stored + dupes,
        "dead_lettered": dead, "lost": max(0, sent - stored - dead),
        "resent": done.get("resent"), "camera_drained": done.get("drained", False),
    }  # fmt: skip


# -- scenarios -------------------------------------------------------------------------------
def restart(run: Run) -> dict[str, Any]:
    run.start_redis()
    run.start_camera(rate=20)
    # No consumer yet: every event waits in the broker, the camera awaits receipts.
    wait_for(lambda: run.spooled() == run.events and run.awaiting() == run.events, 60)
    if run.redis is not None:
        run.redis.kill()
        run.redis.stop()
        run.procs.remove(run.redis)
        run.start_redis()
    run.start_celery()
    queued = run.awaiting()
    result = run.finish()
    what = "SIGKILL redis-server, start it again" if run.redis else "no broker process"
    return result | {"injected": f"{queued} awaiting a receipt; {what}; then Celery"}


def celery_kill(run: Run) -> dict[str, Any]:
    run.start_celery()
    run.start_camera(rate=10)
    for _ in range(3):
        time.sleep(2.0)
        assert run.celery is not None
        run.celery.kill()
        run.start_celery()
    return run.finish() | {"injected": "SIGKILL the Celery worker 3 times, 2 s apart"}


def backoffice_down(run: Run, outage_s: float) -> dict[str, Any]:
    run.start_celery()
    run.start_camera(rate=run.events / outage_s, drain_s=outage_s + 150)
    time.sleep(2.0)
    assert run.celery is not None
    run.celery.stop()
    time.sleep(outage_s)
    run.start_celery()
    return run.finish(timeout=outage_s + 200) | {
        "injected": f"no Celery worker for {outage_s:.0f} s"
    }


def db_drop(run: Run) -> dict[str, Any]:
    from django.db import connection

    from enforcement.models import Violation

    # Persistent connections, as a production pool keeps them: each one dropped is in use.
    run.extra_env["DB_CONN_MAX_AGE"] = "600"
    run.start_celery()
    run.start_camera(rate=2)
    terminated = 0
    # Break it while events flow: once the first are stored, both sides hold connections.
    wait_for(lambda: Violation.objects.filter(camera__code=run.code).count() >= 2, 60)
    for _ in range(6):
        time.sleep(1.0)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated += int(cursor.fetchone()[0])
    injected = f"pg_terminate_backend x6, {terminated} connections"
    return run.finish() | {"injected": injected}


def spool_full(run: Run) -> dict[str, Any]:
    mount = run.tmp / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        run.start_celery()
        run.start_camera(rate=50, spool_dir=mount)
        result = run.finish()
        full = run.tmp.joinpath("camera.log").read_text(errors="replace").count("disk full")
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    return result | {"injected": f"1 MiB tmpfs spool; {full} waits for space"}


# -- the parent ------------------------------------------------------------------------------
def setup_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        url = f"sqlite:///{REPO / 'var' / 'faults.sqlite3'}"
        os.environ["DATABASE_URL"] = url
    elif url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)
    return url


def new_camera(tag: str) -> str:
    from tests.factories import enforceable_camera

    return str(enforceable_camera(code=f"f-{tag}-{uuid.uuid4().hex[:6]}").code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--outage-s", type=float, default=60.0)
    parser.add_argument("--only", default="")
    parser.add_argument("--camera-child", help=argparse.SUPPRESS)
    parser.add_argument("--spool", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=10.0, help=argparse.SUPPRESS)
    parser.add_argument("--drain", type=float, default=150.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    if args.camera_child:
        camera_child(args.camera_child, Path(args.spool), args.events, args.rate, args.drain)
        return 0
    database_url = setup_database()
    import django

    django.setup()
    from django.db import connection

    plan: list[tuple[str, str, Callable[[Run], dict[str, Any]]]] = [
        (f"restart/{b}", b, restart) for b in (*REDIS_MODES, "filesystem")
    ]
    plan += [
        ("celery-kill", "filesystem", celery_kill),
        ("backoffice-down", "filesystem", lambda r: backoffice_down(r, args.outage_s)),
        ("db-drop", "filesystem", db_drop),
        ("spool-full", "filesystem", spool_full),
    ]
    wanted = {n for n in args.only.split(",") if n}
    results, skipped = [], []
    for name, broker, scenario in plan:
        if wanted and name not in wanted and name.split("/")[0] not in wanted:
            continue
        if broker.startswith("redis") and shutil.which("redis-server") is None:
            skipped.append(f"{name}: redis-server not installed")
            continue
        if name == "db-drop" and connection.vendor != "postgresql":
            skipped.append(f"{name}: needs PostgreSQL (DATABASE_URL)")
            continue
        if name == "spool-full" and os.geteuid() != 0:
            skipped.append(f"{name}: mounting a tmpfs needs root")
            continue
        tmp = Path(tempfile.mkdtemp(prefix=f"fs-faults-{name.replace('/', '-')}-"))
        events = args.events * {"backoffice-down": 3, "spool-full": 2}.get(name, 1)
        run = Run(
            name, broker, tmp, database_url, events, code=new_camera(name.split("/")[-1][:12])
        )
        started = time.monotonic()
        print(f"• {name} …", file=sys.stderr, flush=True)
        try:
            result = scenario(run)
        except Exception as exc:
            for proc in run.procs:
                proc.stop()
            lost = run.spooled()
            result = {"scenario": name, "error": f"{type(exc).__name__}: {exc}", "sent": lost}
            result |= {"stored": 0, "duplicated": 0, "dead_lettered": 0, "lost": lost}
        result["seconds"] = round(time.monotonic() - started, 1)
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
        if "error" not in result:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table(results, skipped)
    keys = ("sent", "stored", "lost", "duplicated", "dead_lettered")
    summary = {
        "scenarios": len(results),
        **{k: sum(int(r.get(k) or 0) for r in results) for k in keys},
    }
    print(json.dumps(summary))
    return 0 if summary["lost"] == 0 and summary["duplicated"] == 0 else 1


def print_table(results: list[dict[str, Any]], skipped: list[str]) -> None:
    print(
        f"{'scenario':<24}{'sent':>6}{'stored':>8}{'dup':>5}{'dead':>6}{'lost':>6}"
        f"{'resent':>8}{'s':>7}  injected"
    )
    for r in results:
        error = f"  ERROR {r['error']}" if "error" in r else ""
        print(f"{r['scenario']:<24}{r['sent']:>6}{r['stored']:>8}{r['duplicated']:>5}"
              f"{r['dead_lettered']:>6}{r['lost']:>6}{r.get('resent')!s:>8}{r['seconds']:>7}"
              f"  {r.get('injected', '')}{error}")  # fmt: skip
    for line in skipped:
        print(f"skipped {line}")


if __name__ == "__main__":
    raise SystemExit(main())
