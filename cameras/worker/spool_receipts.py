"""The receipt side of the spool: events published and waiting for the back office's
receipt (``awaiting/``), forgotten once it comes, sent again when it does not
(docs/decisions/2026-12-06-delivery-receipts.md). Mixed into ``Spool``, which owns the
folders, the lock and the on-disk format."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

# <created_ns:020d>_<event_id>.event: shared with Spool, which writes these names.
EVENT_NAME_RE = re.compile(r"^(\d{20})_(.+)\.event$")


def fsync_dir(path: Path) -> None:
    """fsync a folder, so a file created, renamed or removed in it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ReceiptsMixin:
    _awaiting: Path
    _pending: Path
    _sent: Path
    _mutex: threading.Lock

    @staticmethod
    def _find_in(directory: Path, event_id: str) -> Path | None:
        # Exact id match from the parsed name: a glob on "*_<id>" would also match an
        # id that ends with "_<id>".
        for path in sorted(directory.glob(f"*_{event_id}.event")):
            match = EVENT_NAME_RE.match(path.name)
            if match is not None and match.group(2) == event_id:
                return path
        return None

    def _tombstone(self, event_id: str, path: Path) -> None:
        # Tombstone first: a crash between the two steps is finished by _recover.
        with open(self._sent / event_id, "wb") as fh:
            os.fsync(fh.fileno())
        fsync_dir(self._sent)
        path.unlink()
        fsync_dir(path.parent)

    def mark_received(self, event_id: str) -> bool:
        """The back office stored the event: it leaves the spool. False if not here."""
        with self._mutex:
            path = self._find_in(self._awaiting, event_id) or self._find_in(self._pending, event_id)
            if path is None:
                return False
            self._tombstone(event_id, path)
            return True

    def awaiting(self) -> list[tuple[str, float]]:
        """(event id, publish time as a Unix time) of each event waiting for a receipt."""
        out = []
        for path in sorted(self._awaiting.glob("*.event")):
            match = EVENT_NAME_RE.match(path.name)
            try:
                published = path.stat().st_mtime
            except FileNotFoundError:
                continue  # receipted between the listing and the stat
            if match is not None:
                out.append((match.group(2), published))
        return out

    def requeue_unreceipted(self, older_than_s: float | Callable[[str], float]) -> list[str]:
        """Send again what has waited longer than ``older_than_s`` (a number, or a function
        of the event id) for a receipt: its message may have died with a broker that kept
        nothing. Returns the ids moved back to pending/."""
        now = time.time()
        moved: list[str] = []
        with self._mutex:
            for path in sorted(self._awaiting.glob("*.event")):
                match = EVENT_NAME_RE.match(path.name)
                if match is None:
                    continue
                event_id = match.group(2)
                limit = older_than_s(event_id) if callable(older_than_s) else older_than_s
                try:
                    if path.stat().st_mtime >= now - limit:
                        continue
                    os.replace(path, self._pending / path.name)
                except FileNotFoundError:
                    continue
                moved.append(event_id)
            if moved:
                fsync_dir(self._pending)
                fsync_dir(self._awaiting)
        return moved
