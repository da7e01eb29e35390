"""On RabbitMQ, publishing waits for the broker's confirm: "sent" means the broker has it.

Runs against the RabbitMQ on 127.0.0.1:5672 when one listens; publishes to a queue of its
own (auto-deleted), never to the violations queue.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AMQP = "amqp://guest:guest@127.0.0.1:5672//"

SNIPPET = """
import uuid
import django
django.setup()
from kombu import Exchange, Queue
from config.celery import app
name = f"confirm-check-{uuid.uuid4().hex[:8]}"
with app.connection_for_write() as conn:
    conn.ensure_connection(max_retries=1, timeout=3)
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name, auto_delete=True)
    with conn.Producer() as producer:
        producer.publish({"x": 1}, exchange=queue.exchange, routing_key=name, declare=[queue])
    channel = conn.default_channel
    print(conn.transport_options.get("confirm_publish"), channel._confirm_selected)
    queue(channel).delete()
"""


def _rabbitmq_listening() -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 5672)) == 0


@pytest.mark.skipif(not _rabbitmq_listening(), reason="no RabbitMQ on 127.0.0.1:5672")
def test_publishing_to_rabbitmq_uses_publisher_confirms(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CELERY_BROKER_URL": AMQP,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "FAIRSPEED_VAR_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["True", "True"]
