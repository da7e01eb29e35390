"""The embedded default broker: kombu's on-disk transport, made durable.

kombu's ``filesystem`` transport keeps each message as a file, but it deletes the file
the moment a consumer fetches it: the message then lives only in the worker's memory
until the task is acknowledged. A worker killed mid-task (power cut, OOM killer,
``kill -9``) loses it - and with it a violation the camera already counts as delivered.
Its writes are not atomic either (a consumer can pick up a half-written file) and not
fsynced (a power cut can lose a message the publisher was told was sent).

This transport keeps the message on disk until it is acknowledged:

- publish: write to a temporary name, fsync, rename into the queue folder, fsync the
  folder - a message is either wholly there or not there;
- fetch: rename the file into this channel's own ``unacked/<channel>/`` folder (a rename
  within one filesystem is atomic, so two consumers never take the same file);
- acknowledge: delete that file; reject with requeue or a clean shutdown: kombu writes
  the message back to its queue, then the file is deleted;
- a message consumed without acknowledgement (``no_ack``: remote-control broadcasts) is
  deleted on fetch, as before - it would otherwise come back after its consumer died;
- a file that is not a kombu message is moved to ``corrupt/`` with an error logged;
- recovery: each channel holds an exclusive ``flock`` on ``unacked/<channel>/.lock``
  for as long as it lives; the kernel drops it when the process dies, however it dies.
  Consumers look for folders whose lock they can take and move their messages back to
  the queue - at start and then every ``recover_interval`` seconds.

A recovered message is delivered again, so a task may run twice;
``enforcement.record_violation`` is idempotent on the event id, which makes the
delivery of a violation exactly-once where it counts: in the database.
Use it with ``broker_transport = "config.broker:Transport"`` and the same
transport options as kombu's filesystem transport.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport.virtual import base as virtual
from kombu.utils.json import dumps, loads

from cameras.worker.spool import fsync_dir

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
STALE_TMP_S = 3600.0


def recover_orphans(unacked_root: Path, queue_folder: Path) -> int:
    """Move the messages of dead consumers back to their queue; returns how many.
    Also removes temporary files older than an hour that a dead publisher left behind.

    A consumer's folder is orphaned when its lock can be taken: the process that held
    it is gone. Messages keep their file names, so they return to their place in the
    queue (names begin with the publish time).
    """
    # A publisher that died mid-write leaves a temporary file that is not a message.
    cutoff = time.time() - STALE_TMP_S
    for tmp in queue_folder.glob(".tmp-*"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
    moved = 0
    if not unacked_root.is_dir():
        return 0
    for folder in sorted(unacked_root.iterdir()):
        if not folder.is_dir():
            continue
        lock_path = folder / LOCK_NAME
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # another consumer is cleaning it up right now
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its owner is alive
            for msg in sorted(folder.glob("*.msg")):
                with contextlib.suppress(FileNotFoundError):
                    os.rename(msg, queue_folder / msg.name)
                    moved += 1
            with contextlib.suppress(OSError):
                lock_path.unlink()
                folder.rmdir()
        finally:
            os.close(fd)
    if moved:
        fsync_dir(queue_folder)
        log.warning("re-queued %d unacknowledged message(s) of a consumer that died", moved)
    return moved


class QoS(virtual.QoS):
    """Deletes a message's file once it is acknowledged."""

    channel: Channel

    def ack(self, delivery_tag: str) -> None:
        super().ack(delivery_tag)
        self.channel.forget(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        # With requeue, kombu first writes the message back to its queue (``_restore``).
        super().reject(delivery_tag, requeue=requeue)
        self.channel.forget(delivery_tag)


class Channel(filesystem.Channel):
    QoS = QoS
    recover_interval = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unacked_dir: Path | None = None
        self._lock_fd: int | None = None
        self._files: dict[str, Path] = {}
        self._no_ack: set[str] = set()  # queues consumed without acknowledgements
        self._next_recovery = 0.0

    @property
    def unacked_root(self) -> Path:
        return Path(self.data_folder_in).parent / "unacked"

    def _own_dir(self) -> Path:
        """This channel's unacked folder, created and locked on the first fetch (a
        channel that only publishes never makes one)."""
        if self._unacked_dir is None:
            folder = self.unacked_root / uuid.uuid4().hex
            folder.mkdir(parents=True)
            fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._unacked_dir, self._lock_fd = folder, fd
        return self._unacked_dir

    # Same signature as kombu's filesystem channel, which is called with publish flags
    # (``mandatory``...); kombu's stubs give the virtual base a narrower one.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        folder = Path(self.data_folder_out)
        # Wall-clock nanoseconds, fixed width: names sort in publish order, also across
        # reboots (kombu's own names use the monotonic clock, which restarts at boot).
        name = f"{time.time_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        tmp = folder / f".tmp-{uuid.uuid4().hex}"
        data = dumps(payload).encode()
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, folder / name)
            fsync_dir(folder)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ChannelError(f"cannot add message {name!r} to {folder}") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        now = time.monotonic()
        if now >= self._next_recovery:
            self._next_recovery = now + self.recover_interval
            recover_orphans(self.unacked_root, Path(self.data_folder_in))
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            held = self._own_dir() / name
            try:
                os.rename(folder / name, held)
            except FileNotFoundError:
                continue  # another consumer took it
            try:
                payload = loads(held.read_bytes())
                tag = payload["properties"]["delivery_tag"]
            except (ValueError, TypeError, KeyError):
                # Not a message kombu wrote: nothing could ever acknowledge it, and
                # returning it to the queue would fail the same way forever. Kept aside.
                self._quarantine(held)
                continue
            if queue in self._no_ack:
                held.unlink()  # nobody will acknowledge it (e.g. remote-control broadcasts)
            else:
                self._files[tag] = held
            return payload
        raise Empty()

    def basic_consume(
        self,
        queue: str,
        no_ack: bool,
        callback: Callable[..., Any] | None,
        consumer_tag: str | None,
        **kwargs: Any,
    ) -> str:
        if no_ack:
            self._no_ack.add(queue)
        else:
            self._no_ack.discard(queue)
        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if no_ack and message is not None and message.delivery_tag is not None:
            self.forget(message.delivery_tag)
        return message

    def _quarantine(self, path: Path) -> None:
        corrupt = self.unacked_root.parent / "corrupt"
        corrupt.mkdir(exist_ok=True)
        os.rename(path, corrupt / path.name)
        log.error("unreadable broker message %s moved to %s", path.name, corrupt)

    def _restore(self, message: Any) -> None:
        # Requeue (reject) and the clean-shutdown restore both come here: the message
        # is written back to its queue first, then its held copy goes.
        super()._restore(message)
        self.forget(message.delivery_tag)

    def forget(self, delivery_tag: str) -> None:
        path = self._files.pop(delivery_tag, None)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def close(self) -> None:
        super().close()  # restores what is still unacknowledged (see _restore)
        if self._unacked_dir is not None and not self._files:
            with contextlib.suppress(OSError):
                (self._unacked_dir / LOCK_NAME).unlink()
                self._unacked_dir.rmdir()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


class Transport(filesystem.Transport):
    Channel = Channel
