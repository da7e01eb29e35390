"""Real processes for the camera worker tests: celery workers, redis-server, run_camera.

The test database must be visible to those processes. pytest-django keeps SQLite test
databases in memory, which no other process can open, so importing this module points
the SQLite test database at a file (it costs the rest of the session nothing visible).
With PostgreSQL the processes get the test database's name in DATABASE_URL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import worker_argv

REPO = Path(__file__).resolve().parents[2]

_db = settings.DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3" and not (_db.get("TEST") or {}).get("NAME"):
    _db.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / f"test-{os.getpid()}.sqlite3")


def redis_available() -> bool:
    return _which("redis-server") is not None


def _which(name: str) -> str | None:
    from shutil import which

    return which(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The URL of the test database as this process sees it (call inside a DB test)."""
    sd = connection.settings_dict
    if sd["ENGINE"] == "django.db.backends.sqlite3":
        name = str(sd["NAME"])
        assert "memory" not in name, "the SQLite test database must be a file"
        return f"sqlite:///{name}"
    user = sd.get("USER") or "postgres"
    password = f":{sd['PASSWORD']}" if sd.get("PASSWORD") else ""
    host = sd.get("HOST") or "127.0.0.1"
    port = sd.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{sd['NAME']}"


def process_env(tmp: Path, broker_url: str, **extra: str) -> dict[str, str]:
    """Environment for every process of one test: its own var dir, spool, keys, evidence."""
    var = tmp / "var"
    env = {
        **os.environ,
        "FAIRSPEED_VAR_DIR": str(var),
        "FAIRSPEED_SPOOL_DIR": str(tmp / "spool"),
        "FAIRSPEED_KEYS_DIR": str(tmp / "keys"),
        "EVIDENCE_ROOT": str(tmp / "evidence"),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "YOLO_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        **extra,
    }
    return env


def filesystem_queue(tmp: Path) -> Path:
    return tmp / "var" / "broker" / "queue"


class Proc:
    """A child process whose output goes to a file (no pipe to fill up and block it)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def tail(self, n: int = 4000) -> str:
        return f"--- {self.name} ---\n{self.output[-n:]}"

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def stop(self, timeout: float = 20.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()


def celery_worker(env: dict[str, str], log_dir: Path) -> Proc:
    return Proc(
        "celery",
        worker_argv("violations", f"t-{uuid.uuid4().hex[:6]}"),
        env,
        log_dir,
    )


def run_camera(env: dict[str, str], log_dir: Path, camera: str, *args: str) -> Proc:
    return Proc(
        "run_camera",
        [sys.executable, "manage.py", "run_camera", camera, "--detector", "motion", *args],
        env,
        log_dir,
    )


@contextmanager
def redis_server(port: int, log_dir: Path, *extra: str) -> Iterator[Proc]:
    """A non-persistent redis-server; ``extra`` arguments override (later ones win)."""
    proc = Proc(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "no",
            *extra,
        ],
        dict(os.environ),
        log_dir,
    )
    try:
        wait_for(lambda: _listening(port), 10, "redis-server to listen")
        yield proc
    finally:
        proc.stop()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(
    condition: Callable[[], object], timeout: float, what: str, procs: tuple[Proc, ...] = ()
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(p.tail() for p in procs)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")


def spool_files(tmp: Path, camera: str, kind: str = "pending") -> list[Path]:
    folder = tmp / "spool" / camera / kind
    return sorted(folder.iterdir()) if folder.is_dir() else []
