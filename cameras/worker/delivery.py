"""Durable delivery: spool first, publish after, forget only once the back office stored it.

The spool (cameras.worker.spool) owns durability and backoff; this module decides how a
spooled event becomes a message: the evidence package rides inside the message as base64
when it is at most ``max_message_bytes``, else it is uploaded to the private evidence
storage first and the message names it. A background thread delivers while the camera
keeps measuring, so a broker outage never stalls the frame loop.

With ``receipts`` (a function from event ids to the ids the back office has stored or
dead-lettered), a published event stays in the spool until its receipt arrives; a second
thread polls for receipts and sends again whatever waited more than
``receipt_timeout_s``: a broker that restarts without persistence loses its messages, and
only the camera still has them. record_violation is idempotent on the event id, so a
resend of an event that was in fact stored costs one duplicate message, not a duplicate
violation.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec

from cameras.vision.event import EvidenceRef
from cameras.vision.evidence.package import FORMAT
from cameras.worker.spool import Spool

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any]], None]
# (storage name, bytes) -> None; raises while the storage is unreachable
Upload = Callable[[str, bytes], None]
# event ids -> those the back office has receipted; raises while it is unreachable
Receipts = Callable[[list[str]], set[str]]


def incoming_name(camera_code: str, event_id: str) -> str:
    """Kept in step with enforcement.evidence_intake.incoming_name (which checks it)."""
    return f"incoming/{camera_code}/{event_id}.zip"


class Delivery:
    def __init__(
        self,
        spool: Spool,
        publish: Publish,
        *,
        max_message_bytes: int,
        upload: Upload | None = None,
        base_delay_s: float = 0.5,
        max_delay_s: float = 30.0,
        poll_s: float = 0.05,
        receipts: Receipts | None = None,
        receipt_poll_s: float = 1.0,
        receipt_timeout_s: float = 120.0,
    ) -> None:
        self.spool = spool
        self.publish = publish
        self.upload = upload
        self.max_message_bytes = max_message_bytes
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.poll_s = poll_s
        self.receipts = receipts
        self.receipt_poll_s = receipt_poll_s
        self.receipt_timeout_s = receipt_timeout_s
        self.sent = 0
        self.received = 0
        self.resent = 0
        self._resends: dict[str, int] = {}  # event id -> times sent again, until its receipt
        self.failures = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._receipt_thread: threading.Thread | None = None

    # -- building the message ------------------------------------------------------------
    def message_for(self, spooled: dict[str, Any]) -> dict[str, Any]:
        """The task argument for one spooled event (spool.message output)."""
        event = dict(spooled["payload"])
        b64 = spooled.get("package_b64")
        if not b64:
            return event
        data = base64.b64decode(b64)
        sha256 = spooled.get("package_sha256") or hashlib.sha256(data).hexdigest()
        if len(data) <= self.max_message_bytes:
            ref = EvidenceRef(FORMAT, sha256, len(data), "inline", package_b64=b64)
        else:
            if self.upload is None:
                raise RuntimeError(
                    f"evidence of {event['event_id']} is {len(data)} bytes, over the message "
                    "limit, and no evidence storage is configured"
                )
            name = incoming_name(str(event["camera_code"]), str(event["event_id"]))
            self.upload(name, data)  # idempotent: same name, same bytes
            ref = EvidenceRef(FORMAT, sha256, len(data), "storage", name=name)
        event["evidence"] = msgspec.to_builtins(ref)
        return event

    def send(self, spooled: dict[str, Any]) -> None:
        try:
            self.publish(self.message_for(spooled))
        except Exception as exc:
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            raise
        self.sent += 1
        self.last_error = ""

    # -- the background thread -----------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="delivery", daemon=True)
        self._thread.start()
        if self.receipts is not None:
            self._receipt_thread = threading.Thread(
                target=self._run_receipts, name="receipts", daemon=True
            )
            self._receipt_thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.spool.deliver(
                    self.send,
                    stop=self._stop,
                    base_delay_s=self.base_delay_s,
                    max_delay_s=self.max_delay_s,
                    poll_s=self.poll_s,
                )
            except Exception:
                log.exception("delivery loop failed; restarting it in 1 s")
                self._stop.wait(1.0)

    def check_receipts(self) -> int:
        """One round: forget what the back office has stored, resend what timed out."""
        waiting = [event_id for event_id, _ in self.spool.awaiting()]
        got = self.receipts(waiting) if (self.receipts is not None and waiting) else set()
        for event_id in got:
            self.received += self.spool.mark_received(event_id)
            self._resends.pop(event_id, None)
        resent = self.spool.requeue_unreceipted(self._timeout_for)
        for event_id in resent:
            self._resends[event_id] = self._resends.get(event_id, 0) + 1
        if resent:
            log.warning("%d event(s) had no receipt in time: sending them again", len(resent))
            self.resent += len(resent)
        return len(got)

    def _timeout_for(self, event_id: str) -> float:
        """The receipt timeout doubles with each resend of the same event (up to 16 times
        the first): a back office that is down for long is not flooded with copies."""
        return self.receipt_timeout_s * 2 ** min(self._resends.get(event_id, 0), 4)

    def _run_receipts(self) -> None:
        while not self._stop.wait(self.receipt_poll_s):
            try:
                self.check_receipts()
            except Exception as exc:  # the back office is unreachable: ask again later
                self.last_error = f"receipts: {type(exc).__name__}: {exc}"[:300]
                log.warning("could not read receipts: %s", exc)

    def _settled(self) -> bool:
        size = self.spool.size()
        return size.pending == 0 and size.awaiting == 0

    def drain(self, timeout_s: float) -> bool:
        """Wait until nothing is pending or awaiting a receipt (True), or the timeout
        passes (False)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._settled():
                return True
            time.sleep(0.05)
        return self._settled()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        for thread in (self._thread, self._receipt_thread):
            if thread is not None:
                thread.join(timeout_s)
        self._thread = self._receipt_thread = None
