"""Receipts: a published event stays in the camera's spool until the back office has
stored it, and is sent again when no receipt comes in time."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from cameras.models import DeliveryReceipt
from cameras.services.receipts import receipt_record, receipts_for
from cameras.worker.delivery import Delivery
from cameras.worker.spool import Spool


def _age(spool: Spool, event_id: str, seconds: float) -> None:
    """Pretend the event was published ``seconds`` ago (the spool dates it by mtime)."""
    (path,) = (spool.directory / "awaiting").glob(f"*_{event_id}.event")
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.fixture
def spool(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Spool(tmp_path / "spool", await_receipts=True) as s:
        yield s


def test_a_published_event_waits_for_its_receipt_with_its_evidence(spool: Spool) -> None:
    spool.put("e1", {"v": 1}, b"evidence")
    spool.mark_sent("e1")
    size = spool.size()
    assert (size.pending, size.awaiting) == (0, 1)
    assert size.oldest_awaiting_s is not None and size.oldest_awaiting_s < 5
    assert not spool.put("e1", {"v": 1}, b"evidence")  # still known: no second copy
    assert spool.mark_received("e1")
    assert spool.size().awaiting == 0 and not spool.put("e1", {"v": 1})


def test_an_event_without_a_receipt_in_time_is_sent_again(spool: Spool) -> None:
    spool.put("e1", {"v": 1}, b"evidence")
    spool.mark_sent("e1")
    assert spool.requeue_unreceipted(60) == []
    _age(spool, "e1", 120)
    assert spool.requeue_unreceipted(60) == ["e1"]
    (entry,) = spool.pending()
    assert spool.message(entry)["package_b64"]  # the evidence came back with it


def test_waiting_events_survive_a_restart_of_the_camera(tmp_path: Path) -> None:
    with Spool(tmp_path / "s", await_receipts=True) as first:
        first.put("e1", {"v": 1}, b"evidence")
        first.mark_sent("e1")
    with Spool(tmp_path / "s", await_receipts=True) as again:
        assert [e for e, _ in again.awaiting()] == ["e1"]


def test_a_late_receipt_for_an_event_being_resent_removes_it(spool: Spool) -> None:
    spool.put("e1", {"v": 1})
    spool.mark_sent("e1")
    _age(spool, "e1", 120)
    spool.requeue_unreceipted(60)
    assert spool.mark_received("e1")  # found in pending/
    spool.mark_sent("e1")  # the resend finishing afterwards is harmless
    assert spool.size().as_dict()["pending"] == 0 and spool.size().awaiting == 0


def test_a_receipt_for_an_unknown_event_changes_nothing(spool: Spool) -> None:
    assert not spool.mark_received("never-put")


@pytest.mark.django_db(transaction=True)  # the receipt thread reads committed rows
def test_the_delivery_thread_forgets_receipted_events_and_resends_the_rest(
    spool: Spool,
) -> None:
    published: list[str] = []

    def publish(message: dict[str, Any]) -> None:
        published.append(message["event_id"])

    stored, lost = str(uuid.uuid4()), str(uuid.uuid4())
    for event_id in (stored, lost):
        spool.put(event_id, {"event_id": event_id})
    delivery = Delivery(
        spool, publish, max_message_bytes=1000, poll_s=0.01,
        receipts=receipts_for, receipt_poll_s=0.05, receipt_timeout_s=1.5,
    )  # fmt: skip
    delivery.start()
    try:
        deadline = time.monotonic() + 10
        while spool.size().awaiting < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        receipt_record(stored, "cam-1", DeliveryReceipt.Outcome.STORED)
        while published.count(lost) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert published.count(lost) >= 2 and published.count(stored) == 1
        receipt_record(lost, "cam-1", DeliveryReceipt.Outcome.STORED)
        assert delivery.drain(10)
    finally:
        delivery.stop()
    assert delivery.received == 2 and delivery.resent >= 1


def test_each_resend_of_the_same_event_waits_twice_as_long_for_its_receipt(
    spool: Spool,
) -> None:
    delivery = Delivery(
        spool, lambda m: None, max_message_bytes=1000, receipts=lambda ids: set(),
        receipt_timeout_s=10,
    )  # fmt: skip
    spool.put("e1", {"v": 1})
    spool.mark_sent("e1")
    _age(spool, "e1", 15)
    delivery.check_receipts()
    assert delivery.resent == 1
    spool.mark_sent("e1")  # the resend went out
    _age(spool, "e1", 15)
    delivery.check_receipts()
    assert delivery.resent == 1  # now it waits 20 s
    _age(spool, "e1", 25)
    delivery.check_receipts()
    assert delivery.resent == 2


@pytest.mark.django_db
def test_the_camera_health_page_shows_events_awaiting_a_receipt(client: Any, staff: Any) -> None:
    from cameras.services.heartbeat import heartbeat_record
    from tests.factories import CameraFactory

    camera = CameraFactory()
    heartbeat_record(
        camera, worker_id="w", details={"spool": {"awaiting": 2, "oldest_awaiting_s": 42.0}}
    )
    client.force_login(staff("operator"))
    page = client.get("/staff/cameras/health/").content.decode()
    assert "2 awaiting a receipt (oldest 42 s)" in page
