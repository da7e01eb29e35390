"""A real Celery worker process consumes a task sent from another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import worker_argv

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return {**os.environ, "FAIRSPEED_VAR_DIR": str(settings.VAR_DIR), "PYTHONUNBUFFERED": "1"}


def _start_worker(output: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    return subprocess.Popen(
        worker_argv("maintenance", f"test-{uuid.uuid4().hex[:6]}"),
        cwd=REPO,
        env=_env(),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[str]]:
    proc = _start_worker(subprocess.PIPE)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _send_from_another_process(token: str) -> None:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');"
        "django.setup(); from config.celery import ping;"
        f"ping.apply_async(args=['{token}'], queue='maintenance')"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_env(), check=True, timeout=60)


def _wait_for(path: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_process_consumes_a_task_sent_from_another_process(
    worker: subprocess.Popen[str],
) -> None:
    token = uuid.uuid4().hex
    _send_from_another_process(token)
    marker = Path(settings.VAR_DIR) / "pings" / token
    ok = _wait_for(marker, timeout=60)
    if not ok:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"worker never ran the task; its log:\n{output[-3000:]}")
    assert marker.read_text() == token


def test_the_broker_under_test_is_the_configured_one() -> None:
    from config.celery import app

    expected = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    assert app.conf.broker_url.split(":")[0] == expected.split(":")[0]


def _held_messages() -> list[Path]:
    return list((Path(settings.VAR_DIR) / "broker" / "unacked").glob("*/*.msg"))


@pytest.mark.skipif(
    not str(settings.CELERY_BROKER_URL).startswith("filesystem://"),
    reason="Redis gives a dead worker's task back only after its visibility timeout (1 h)",
)
def test_a_task_whose_worker_was_killed_mid_task_runs_on_the_next_worker() -> None:
    token = uuid.uuid4().hex
    marker = Path(settings.VAR_DIR) / "pings" / token
    marker.parent.mkdir(parents=True, exist_ok=True)
    # The task writes this marker; as a named pipe nobody reads, the write blocks: the
    # worker is caught in the middle of the task.
    os.mkfifo(marker)
    first = _start_worker()
    try:
        _send_from_another_process(token)
        deadline = time.monotonic() + 60
        while not _held_messages() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _held_messages(), "the worker never took the task"
        time.sleep(1.0)  # well into the task: blocked on the pipe
        assert not marker.is_file()
    finally:
        first.kill()  # SIGKILL: no shutdown handler runs, nothing is given back
        first.wait(timeout=20)
    marker.unlink()
    second = _start_worker()
    try:
        assert _wait_for(marker, timeout=90), "the killed worker's task was lost"
        assert marker.read_text() == token
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert _held_messages() == []
