"""The edge spool: durable, ordered, idempotent, crash-safe, and a delivery loop that
retries with backoff, stops promptly and never drops an event."""

from __future__ import annotations

import base64
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cameras.vision.evidence.package import PackageTooLarge
from cameras.worker import spool as spool_mod
from cameras.worker.spool import RejectedEvent, Spool, SpoolLocked


class Flaky:
    """A sender that fails `failures` times with a transient error, then accepts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []

    def __call__(self, message: dict[str, Any]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("broker unreachable")
        self.received.append(message)


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    s = Spool(tmp_path / "spool")
    yield s
    s.close()


def _reopen(s: Spool) -> Spool:
    s.close()
    return Spool(s.directory)


def test_a_put_event_is_pending_and_survives_a_restart(spool: Spool) -> None:
    assert spool.put("e1", {"speed_kmh": 71.4}, b"zipbytes")
    again = _reopen(spool)
    try:
        [entry] = again.pending()
        assert (entry.event_id, entry.payload) == ("e1", {"speed_kmh": 71.4})
        message = again.message(entry)
        assert base64.b64decode(message["package_b64"]) == b"zipbytes"
    finally:
        again.close()


def test_pending_lists_events_oldest_first_even_if_the_clock_steps_back(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter([3_000, 2_000, 1_000])
    monkeypatch.setattr(spool_mod.time, "time_ns", lambda: next(clock))
    for event_id in ("first", "second", "third"):
        spool.put(event_id, {})
    assert [e.event_id for e in spool.pending()] == ["first", "second", "third"]


def test_a_duplicate_put_is_a_no_op(spool: Spool) -> None:
    assert spool.put("e1", {"v": 1}, b"one")
    assert not spool.put("e1", {"v": 2}, b"two")
    [entry] = spool.pending()
    assert entry.payload == {"v": 1}
    spool.mark_sent("e1")
    assert not spool.put("e1", {"v": 3})  # the tombstone remembers it was sent
    assert spool.pending() == []


def test_ids_that_share_a_suffix_are_different_events(spool: Spool) -> None:
    assert spool.put("a_b", {})
    assert spool.put("b", {})
    spool.mark_sent("b")
    assert [e.event_id for e in spool.pending()] == ["a_b"]


def test_a_torn_write_from_a_crash_is_ignored_and_cleaned(spool: Spool) -> None:
    spool.put("e1", {"ok": True})
    torn = spool.directory / "tmp" / "00000000000000000099_e2.event.tmp"
    torn.write_bytes(spool_mod.MAGIC + b"\x00\x00\x01")  # half a header
    assert [e.event_id for e in spool.pending()] == ["e1"]
    again = _reopen(spool)
    try:
        assert not torn.exists()
        assert [e.event_id for e in again.pending()] == ["e1"]
    finally:
        again.close()


def test_a_crash_inside_mark_sent_is_finished_at_start(spool: Spool) -> None:
    spool.put("e1", {})
    spool.put("e2", {})
    (spool.directory / "sent" / "e1").touch()  # tombstone written, unlink never happened
    again = _reopen(spool)
    try:
        assert [e.event_id for e in again.pending()] == ["e2"]
    finally:
        again.close()


def test_a_damaged_event_file_is_quarantined_not_deleted(spool: Spool) -> None:
    spool.put("e1", {}, b"package")
    spool.put("e2", {})
    path = spool.pending()[0].path
    path.write_bytes(path.read_bytes()[:-3])  # package truncated on disk
    sender = Flaky()
    stats = spool.deliver(sender, stop=threading.Event(), until_empty=True)
    assert [m["event_id"] for m in sender.received] == ["e2"]
    assert stats.rejected == 1 and spool.size().rejected == 1
    assert (spool.directory / "rejected" / path.name).exists()


def test_size_counts_pending_events_and_bytes(spool: Spool) -> None:
    assert spool.size().as_dict() == {
        "pending": 0,
        "pending_bytes": 0,
        "rejected": 0,
        "awaiting": 0,
        "oldest_awaiting_s": None,
    }
    spool.put("e1", {}, b"x" * 1000)
    spool.put("e2", {}, b"y" * 500)
    size = spool.size()
    assert size.pending == 2 and size.pending_bytes > 1500


def test_size_does_not_fail_when_an_event_is_sent_while_it_counts(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool.put("e1", {}, b"x" * 1000)
    spool.put("e2", {}, b"y" * 500)
    real_glob = Path.glob

    def glob_then_send_e1(self: Path, pattern: str) -> Any:
        found = list(real_glob(self, pattern))
        if self.name == "pending" and pattern == "*.event":
            monkeypatch.undo()
            spool.mark_sent("e1")  # the delivery thread, between the listing and the stat
        return iter(found)

    monkeypatch.setattr(Path, "glob", glob_then_send_e1)
    size = spool.size()
    assert size.pending == 1 and 500 < size.pending_bytes < 1000


def test_a_package_directory_is_spooled_as_bounded_bytes(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "01_entry.jpg").write_bytes(b"\xff\xd8" + b"a" * 5000)
    with Spool(tmp_path / "s", max_package_bytes=4000) as small:
        with pytest.raises(PackageTooLarge, match="4000-byte limit"):
            small.put("e1", {}, pkg)
        with pytest.raises(PackageTooLarge):
            small.put("e2", {}, b"z" * 4001)
        assert small.pending() == []
    with Spool(tmp_path / "s2") as big:
        big.put("e1", {}, pkg)
        message = big.message(big.pending()[0])
        assert message["package_b64"] and message["package_sha256"]


def test_unsafe_event_ids_are_refused(spool: Spool) -> None:
    for bad in ("../escape", "", "a/b", ".hidden", "x" * 200):
        with pytest.raises(ValueError, match="safe file name"):
            spool.put(bad, {})


def test_a_second_owner_of_the_same_spool_is_refused(spool: Spool) -> None:
    with pytest.raises(SpoolLocked):
        Spool(spool.directory)


def test_mark_sent_of_an_unknown_event_is_an_error(spool: Spool) -> None:
    with pytest.raises(KeyError, match="no pending event"):
        spool.mark_sent("never-put")


def test_delivery_retries_a_failing_sender_with_growing_backoff(spool: Spool) -> None:
    spool.put("e1", {"n": 1}, b"pkg")
    spool.put("e2", {"n": 2})
    sender = Flaky(failures=3)
    stats = spool.deliver(
        sender, stop=threading.Event(), base_delay_s=0.01, until_empty=True,
        rng=random.Random(1),
    )  # fmt: skip
    assert [m["event_id"] for m in sender.received] == ["e1", "e2"]  # order kept
    assert (stats.sent, stats.retries) == (2, 3)
    for attempt, delay in enumerate(stats.delays):
        full = 0.01 * 2**attempt
        assert full / 2 <= delay <= full  # exponential, jitter in the upper half
    assert spool.pending() == [] and spool.size().pending == 0


def test_the_backoff_is_capped(spool: Spool) -> None:
    spool.put("e1", {})
    stats = spool.deliver(
        Flaky(failures=6), stop=threading.Event(), base_delay_s=0.004, max_delay_s=0.01,
        until_empty=True,
    )  # fmt: skip
    assert max(stats.delays) <= 0.01


def test_the_stop_event_ends_a_long_backoff_promptly_and_keeps_the_event(spool: Spool) -> None:
    spool.put("e1", {})
    stop = threading.Event()
    attempts: list[float] = []

    def down(message: dict[str, Any]) -> None:
        attempts.append(time.monotonic())
        stop.set()  # SIGTERM arrives while the broker is down
        raise TimeoutError("broker timeout")

    started = time.monotonic()
    stats = spool.deliver(down, stop=stop, base_delay_s=30.0)
    assert time.monotonic() - started < 2.0  # did not sit out the 15-30 s backoff
    assert len(attempts) == 1 and stats.sent == 0
    assert [e.event_id for e in spool.pending()] == ["e1"]


def test_the_stop_event_ends_an_idle_delivery_loop(spool: Spool) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=spool.deliver, args=(Flaky(),), kwargs={"stop": stop})
    worker.start()
    time.sleep(0.05)
    stop.set()
    worker.join(timeout=2.0)
    assert not worker.is_alive()


def test_a_rejected_event_is_kept_aside_and_the_next_one_is_sent(spool: Spool) -> None:
    spool.put("bad", {})
    spool.put("good", {})
    received = []

    def send(message: dict[str, Any]) -> None:
        if message["event_id"] == "bad":
            raise RejectedEvent("schema mismatch")
        received.append(message["event_id"])

    stats = spool.deliver(send, stop=threading.Event(), until_empty=True)
    assert received == ["good"] and stats.rejected == 1
    assert spool.size().rejected == 1
    reason = next((spool.directory / "rejected").glob("*.reason")).read_text()
    assert "schema mismatch" in reason
    assert not spool.put("bad", {})  # still known: not re-queued by a repeat put


def test_a_non_transient_error_propagates_and_the_event_stays(spool: Spool) -> None:
    spool.put("e1", {})

    def broken(message: dict[str, Any]) -> None:
        raise TypeError("bug in the sender")

    with pytest.raises(TypeError):
        spool.deliver(broken, stop=threading.Event(), transient=(ConnectionError,))
    assert [e.event_id for e in spool.pending()] == ["e1"]


def test_puts_are_fast_enough_for_the_edge(spool: Spool) -> None:
    payload = {"speed_kmh": 71.4, "track_id": 7}
    package = b"p" * 200_000  # a typical evidence zip is a few hundred kB
    n = 30
    started = time.perf_counter()
    for i in range(n):
        spool.put(f"e{i}", payload, package)
    rate = n / (time.perf_counter() - started)
    print(f"spool: {rate:.0f} puts/s with 200 kB packages (fsynced)")
    assert spool.size().pending == n
    assert rate > 5  # a camera produces at most a few violations per second
