"""Delivery: spooled first, marked sent only after the publish succeeded; evidence travels
inline under the message limit and through the evidence storage above it."""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

from kombu.exceptions import OperationalError

from cameras.worker.delivery import Delivery, incoming_name
from cameras.worker.spool import Spool
from enforcement.evidence_intake import incoming_name as intake_incoming_name


def _event(event_id: str = "e1") -> dict[str, Any]:
    return {"event_id": event_id, "camera_code": "cam-1", "passage": {}}


def test_an_event_stays_spooled_until_the_broker_takes_it(tmp_path: Path) -> None:
    published: list[dict[str, Any]] = []
    attempts = {"n": 0}

    def publish(message: dict[str, Any]) -> None:
        attempts["n"] += 1
        if attempts["n"] <= 3:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        published.append(message)

    with Spool(tmp_path / "spool") as spool:
        spool.put("e1", _event(), b"PK-package")
        delivery = Delivery(spool, publish, max_message_bytes=1000, base_delay_s=0.01)
        stop = threading.Event()
        pending_while_failing: list[int] = []

        def send(message: dict[str, Any]) -> None:
            pending_while_failing.append(spool.size().pending)
            delivery.send(message)
            if published:
                stop.set()

        stats = spool.deliver(send, stop=stop, base_delay_s=0.01, max_delay_s=0.05)
        assert stats.retries == 3 and stats.sent == 1
        assert pending_while_failing == [1, 1, 1, 1]  # never dropped while failing
        assert spool.size().pending == 0
        assert delivery.failures == 3 and "Connection refused" not in delivery.last_error
    (message,) = published
    assert message["evidence"]["transport"] == "inline"
    assert base64.b64decode(message["evidence"]["package_b64"]) == b"PK-package"


def test_evidence_over_the_message_limit_goes_through_the_storage(tmp_path: Path) -> None:
    uploads: dict[str, bytes] = {}
    with Spool(tmp_path / "spool") as spool:
        spool.put("e2", _event("e2"), b"x" * 5000)
        delivery = Delivery(
            spool, lambda m: None, max_message_bytes=1000, upload=uploads.__setitem__
        )
        message = delivery.message_for(spool.message(spool.pending()[0]))
    evidence = message["evidence"]
    assert evidence["transport"] == "storage" and "package_b64" not in evidence
    assert evidence["name"] == incoming_name("cam-1", "e2") == intake_incoming_name("cam-1", "e2")
    assert uploads[evidence["name"]] == b"x" * 5000 and evidence["bytes"] == 5000


def test_the_background_thread_delivers_and_drains(tmp_path: Path) -> None:
    got: list[str] = []
    with Spool(tmp_path / "spool") as spool:
        delivery = Delivery(spool, lambda m: got.append(m["event_id"]), max_message_bytes=10)
        delivery.start()
        for i in range(5):
            spool.put(f"e{i}", _event(f"e{i}"), b"pkg")
        assert delivery.drain(timeout_s=10)
        delivery.stop()
    assert got == [f"e{i}" for i in range(5)]  # oldest first
