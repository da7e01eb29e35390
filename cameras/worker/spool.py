"""Durable on-disk spool for violation events at the edge.

An event is written to disk, atomically and fsynced, BEFORE anything tries to send it,
and it leaves the spool only after the back office has stored it: with receipts on, a
published event waits in awaiting/ until the back office's receipt names it, and goes
back to pending/ to be sent again when none comes in time. A crash or power
cut at any point loses nothing and duplicates nothing that the back office cannot
absorb (record_violation is idempotent on the event id).

Layout under the spool directory:

    tmp/        files being written; anything here at start-up is a torn write: removed
    pending/    <created_ns:020d>_<event_id>.event, one file per unsent event
    awaiting/   the same files once a broker took them, until a receipt (the file's
                mtime is when it was published)
    sent/       <event_id>: empty tombstones, so a repeated put of a sent event is a
                no-op; pruned after `sent_retention_s` (they hold no personal data)
    rejected/   events the back office refused permanently: kept for a human, never
                dropped, counted in `size()` so heartbeats show them
    .lock       flock: one process owns a spool

An .event file is MAGIC, a 4-byte big-endian header length, the header (canonical JSON:
event id, payload, creation time, package size and SHA-256), then the package bytes.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import json
import logging
import os
import random
import re
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cameras.vision.evidence.package import (
    DEFAULT_MAX_PACKAGE_BYTES,
    PackageTooLarge,
    package_to_bytes,
)
from cameras.vision.evidence.signing import canonical_json
from cameras.worker.spool_receipts import EVENT_NAME_RE, ReceiptsMixin, fsync_dir

log = logging.getLogger(__name__)

MAGIC = b"FSPOOL1\n"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class SpoolError(Exception):
    pass


class SpoolFull(SpoolError):
    """The spool's disk is full: nothing was written; try again once deliveries free space."""


class SpoolLocked(SpoolError):
    """Another process (or another Spool object) already owns this directory."""


class RejectedEvent(Exception):
    """Raised by a `send` callable when the receiver refuses an event for good (it is
    malformed, say). The event is moved to rejected/ for a human instead of retried."""


@dataclass(frozen=True)
class SpoolEntry:
    event_id: str
    payload: dict[str, Any]
    created_ns: int
    package_bytes: int
    package_sha256: str | None
    path: Path


@dataclass(frozen=True)
class SpoolSize:
    pending: int
    pending_bytes: int
    rejected: int
    awaiting: int = 0  # published, no receipt yet
    oldest_awaiting_s: float | None = None  # age of the oldest of them

    def as_dict(self) -> dict[str, int | float | None]:
        return {"pending": self.pending, "pending_bytes": self.pending_bytes,
                "rejected": self.rejected, "awaiting": self.awaiting,
                "oldest_awaiting_s": self.oldest_awaiting_s}  # fmt: skip


@dataclass
class DeliveryStats:
    sent: int = 0
    retries: int = 0
    rejected: int = 0
    delays: list[float] = field(default_factory=list)  # each backoff wait, in seconds


class Spool(ReceiptsMixin):
    def __init__(
        self,
        directory: Path | str,
        *,
        max_package_bytes: int = DEFAULT_MAX_PACKAGE_BYTES,
        sent_retention_s: float = 7 * 86400,
        await_receipts: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.max_package_bytes = max_package_bytes
        self.await_receipts = await_receipts
        self._tmp, self._pending = self.directory / "tmp", self.directory / "pending"
        self._sent, self._rejected = self.directory / "sent", self.directory / "rejected"
        self._awaiting = self.directory / "awaiting"
        for d in (self._tmp, self._pending, self._sent, self._rejected, self._awaiting):
            d.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise SpoolLocked(f"spool {self.directory} is in use by another owner") from None
        self._mutex = threading.Lock()  # the pipeline puts while a thread delivers
        self._last_ns = 0
        self._recover(sent_retention_s)

    def close(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _recover(self, sent_retention_s: float) -> None:
        """Start-up: drop torn writes, finish interrupted mark_sent, prune tombstones."""
        for torn in self._tmp.iterdir():
            log.warning("spool: removing torn write %s left by a crash", torn.name)
            torn.unlink()
        cutoff = time.time() - sent_retention_s
        for tomb in self._sent.iterdir():
            if tomb.stat().st_mtime < cutoff:
                tomb.unlink()
        for path in [*self._pending.iterdir(), *self._awaiting.iterdir()]:
            match = EVENT_NAME_RE.match(path.name)
            if match is None:
                continue
            self._last_ns = max(self._last_ns, int(match.group(1)))
            if (self._sent / match.group(2)).exists():
                path.unlink()  # crashed after the tombstone, before the unlink: it was sent
        fsync_dir(self._pending)
        fsync_dir(self._awaiting)

    def _find(self, event_id: str) -> Path | None:
        return self._find_in(self._pending, event_id)

    def _known(self, event_id: str) -> bool:
        return (
            self._find(event_id) is not None
            or self._find_in(self._awaiting, event_id) is not None
            or (self._sent / event_id).exists()
            or self._find_in(self._rejected, event_id) is not None
        )

    def put(
        self, event_id: str, payload: dict[str, Any], package: bytes | Path | str | None = None
    ) -> bool:
        """Store an event durably. Returns False (and changes nothing) for a known id."""
        if not _ID_RE.match(event_id):
            raise ValueError(f"event id {event_id!r} is not a safe file name")
        if isinstance(package, (str, Path)):
            package = package_to_bytes(Path(package), self.max_package_bytes)
        elif package is not None and len(package) > self.max_package_bytes:
            raise PackageTooLarge(
                f"package is {len(package)} bytes, over the {self.max_package_bytes}-byte limit"
            )
        with self._mutex:
            if self._known(event_id):
                return False
            # Strictly increasing even if the wall clock steps back: order is put order.
            self._last_ns = max(time.time_ns(), self._last_ns + 1)
            header = canonical_json({
                "event_id": event_id, "payload": payload, "created_ns": self._last_ns,
                "package_bytes": len(package) if package is not None else 0,
                "package_sha256": hashlib.sha256(package).hexdigest() if package else None,
            })  # fmt: skip
            name = f"{self._last_ns:020d}_{event_id}.event"
            tmp = self._tmp / f"{name}.tmp"
            try:
                with open(tmp, "wb") as fh:
                    fh.write(MAGIC + struct.pack(">I", len(header)) + header + (package or b""))
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                tmp.unlink(missing_ok=True)  # a partial write must not hold the space
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise SpoolFull(f"spool disk full: {exc}") from exc
                raise
            os.replace(tmp, self._pending / name)
            fsync_dir(self._pending)
            return True

    def put_waiting(
        self,
        event_id: str,
        payload: dict[str, Any],
        package: bytes | Path | str | None = None,
        *,
        timeout_s: float = 3600.0,
        poll_s: float = 0.5,
    ) -> bool:
        """``put``, waiting while the disk is full: deliveries and receipts free space, and
        the event (held in memory meanwhile) is written as soon as it fits. Raises
        SpoolFull after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.put(event_id, payload, package)
            except SpoolFull:
                if time.monotonic() >= deadline:
                    raise
                log.warning("spool: disk full; holding %s in memory until space frees", event_id)
                time.sleep(poll_s)

    def _read(self, path: Path, with_package: bool) -> tuple[SpoolEntry, bytes | None]:
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                raise SpoolError(f"{path.name}: not a spool event")
            (length,) = struct.unpack(">I", fh.read(4))
            head = json.loads(fh.read(length))
            entry = SpoolEntry(head["event_id"], head["payload"], head["created_ns"],
                               head["package_bytes"], head["package_sha256"], path)  # fmt: skip
            if not with_package or entry.package_sha256 is None:
                return entry, None
            data = fh.read()
        if len(data) != entry.package_bytes or hashlib.sha256(data).hexdigest() != (
            entry.package_sha256
        ):
            raise SpoolError(f"{path.name}: package bytes do not match their checksum")
        return entry, data

    def pending(self) -> list[SpoolEntry]:
        """Unsent events, oldest first. Unreadable files are quarantined, never lost."""
        out = []
        for path in sorted(self._pending.glob("*.event")):
            try:
                out.append(self._read(path, with_package=False)[0])
            except (OSError, ValueError, KeyError, struct.error, SpoolError) as exc:
                self._quarantine(path, f"unreadable: {exc}")
        return out

    def message(self, entry: SpoolEntry) -> dict[str, Any]:
        """What `send` receives: JSON-ready, the package inline as base64 (no shared FS)."""
        _, data = self._read(entry.path, with_package=True)
        return {
            "event_id": entry.event_id,
            "payload": entry.payload,
            "package_b64": base64.b64encode(data).decode("ascii") if data else None,
            "package_sha256": entry.package_sha256,
        }

    def mark_sent(self, event_id: str) -> None:
        """A broker took the event. With receipts it waits in awaiting/; else it is done."""
        with self._mutex:
            path = self._find(event_id)
            if path is None:
                if (self._sent / event_id).exists():
                    return  # already marked (or receipted meanwhile): idempotent
                raise KeyError(f"no pending event {event_id!r}")
            if self.await_receipts:
                target = self._awaiting / path.name
                os.replace(path, target)
                os.utime(target)  # the publish time, for the receipt timeout
                fsync_dir(self._awaiting)
                fsync_dir(self._pending)
                return
            self._tombstone(event_id, path)

    def _quarantine(self, path: Path, reason: str) -> None:
        log.error("spool: moving %s to rejected/: %s", path.name, reason)
        with self._mutex:
            os.replace(path, self._rejected / path.name)
            (self._rejected / f"{path.name}.reason").write_text(reason + "\n")
            fsync_dir(self._rejected)
            fsync_dir(self._pending)

    def size(self) -> SpoolSize:
        """Pending and rejected counts. Lock-free (heartbeats must not wait on a slow
        fsync), so a file the delivery thread sends between the listing and its stat is
        simply not counted: it has left the spool."""
        count, total = 0, 0
        for path in self._pending.glob("*.event"):
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                continue
            count += 1
        waiting = self.awaiting()
        oldest = min((t for _, t in waiting), default=None)
        return SpoolSize(
            pending=count,
            pending_bytes=total,
            rejected=len(list(self._rejected.glob("*.event"))),
            awaiting=len(waiting),
            oldest_awaiting_s=round(time.time() - oldest, 1) if oldest is not None else None,
        )

    def deliver(
        self,
        send: Callable[[dict[str, Any]], None],
        *,
        stop: threading.Event,
        transient: tuple[type[BaseException], ...] = (Exception,),
        base_delay_s: float = 0.5,
        max_delay_s: float = 60.0,
        poll_s: float = 1.0,
        until_empty: bool = False,
        rng: random.Random | None = None,
    ) -> DeliveryStats:
        """Send pending events oldest first, each until it is accepted.

        A `transient` exception from `send` is retried after an exponential backoff with
        jitter (half fixed, half random: spreads many cameras reconnecting at once
        without ever retrying immediately). The oldest event blocks the rest, so order
        is kept. `RejectedEvent` quarantines the event; any other exception propagates
        with the event still pending. Returns when `stop` is set (waits use
        `stop.wait`, so SIGTERM handling is prompt; a `send` in progress is not
        interrupted) or, with `until_empty`, when nothing is pending.
        """
        rng = rng or random.Random()
        stats = DeliveryStats()
        failures = 0
        while not stop.is_set():
            entries = self.pending()
            if not entries:
                if until_empty:
                    break
                stop.wait(poll_s)
                continue
            entry = entries[0]
            try:
                message = self.message(entry)
            except (OSError, SpoolError) as exc:  # damaged on disk: keep it for a human
                if not entry.path.exists():
                    continue  # receipted (and removed) between the listing and the read
                self._quarantine(entry.path, f"unreadable: {exc}")
                stats.rejected += 1
                continue
            try:
                send(message)
            except RejectedEvent as exc:
                self._quarantine(entry.path, f"rejected by receiver: {exc}")
                stats.rejected += 1
                failures = 0
                continue
            except transient as exc:
                failures += 1
                stats.retries += 1
                delay = min(max_delay_s, base_delay_s * 2 ** (failures - 1))
                delay = delay / 2 + rng.uniform(0, delay / 2)
                stats.delays.append(delay)
                log.warning("spool: sending %s failed (%s); retry in %.2f s",
                            entry.event_id, exc, delay)  # fmt: skip
                stop.wait(delay)
                continue
            self.mark_sent(entry.event_id)
            stats.sent += 1
            failures = 0
        return stats
