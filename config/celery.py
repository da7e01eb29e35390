"""The one Celery app. Tasks live in each app's tasks.py and stay thin."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

from cameras.vision.event import RECORD_VIOLATION_TASK, VIOLATIONS_QUEUE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fairspeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (
    Queue(VIOLATIONS_QUEUE, durable=True),
    Queue("vision", durable=True),
    Queue("maintenance", durable=True),
)
app.conf.task_routes = {
    RECORD_VIOLATION_TASK: {"queue": VIOLATIONS_QUEUE},
    "enforcement.*": {"queue": "maintenance"},
    "cameras.*": {"queue": "vision"},
    "policy.*": {"queue": "maintenance"},
    "fairspeed.*": {"queue": "maintenance"},
}
# The beat schedule lives in code so it is reviewed like code.
app.conf.beat_schedule = {
    "retention-purge-nightly": {
        "task": "enforcement.retention_purge",
        "schedule": crontab(hour=2, minute=15),
    },
    "audit-checkpoint-hourly": {
        "task": "policy.audit_checkpoint",
        "schedule": crontab(minute=35),
    },
    # Deadlines, defaults and email copies of notices; idempotent, so hourly is safe.
    "notices-sweep-hourly": {
        "task": "enforcement.notices_sweep",
        "schedule": crontab(minute=5),
    },
    # Residents' reminder emails before deadlines; sent once each, so hourly is safe.
    "portal-reminders-hourly": {
        "task": "enforcement.portal_reminders",
        "schedule": crontab(minute=20),
    },
    "heartbeat-staleness-every-minute": {
        "task": "cameras.flag_stale_heartbeats",
        "schedule": 60.0,
    },
}
app.autodiscover_tasks()


@app.task(name="fairspeed.ping")
def ping(token: str) -> str:
    """A no-op task used by /healthz and the broker tests to prove a worker consumes."""
    from pathlib import Path

    from django.conf import settings

    # Write a marker so another process can see the task really ran in a worker.
    marker_dir = Path(settings.VAR_DIR) / "pings"
    marker_dir.mkdir(parents=True, exist_ok=True)
    (marker_dir / token).write_text(token)
    return token


def worker_argv(queues: str, name: str, loglevel: str = "INFO") -> list[str]:
    """The command line of one single-process Celery worker (demo, tests, benchmarks).

    Solo pool: one task at a time, so a SQLite database sees one writer per worker;
    no gossip/mingle/heartbeat: short-lived workers need no cluster chatter.
    """
    import sys

    return [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
        "--pool", "solo", "--concurrency", "1", "--loglevel", loglevel,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h",
    ]  # fmt: skip
