"""The on-disk broker keeps a message until it is acknowledged, even across a kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection

from config.broker import Transport, recover_orphans

TRANSPORT = "config.broker:Transport"
REPO = Path(__file__).resolve().parents[2]


def _options(root: Path) -> dict[str, str]:
    for sub in ("queue", "control"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "control_folder": str(root / "control"),
    }


@pytest.fixture
def broker_root(tmp_path: Path) -> Iterator[Path]:
    # kombu keeps exchange bindings in one per-process state shared by every connection
    # of the transport: each test's fresh folders need it fresh too.
    Transport.global_state.clear()
    yield tmp_path / "broker"
    Transport.global_state.clear()


@pytest.fixture
def conn(broker_root: Path) -> Iterator[Connection]:
    c = Connection("filesystem://", transport=TRANSPORT, transport_options=_options(broker_root))
    yield c
    c.release()


def _queued(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "queue").glob("*.msg"))


def _held(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "unacked").glob("*/*.msg"))


def test_a_published_message_is_one_whole_file_and_no_temporary_is_left(
    conn: Connection, broker_root: Path
) -> None:
    conn.SimpleQueue("violations").put({"event_id": "e1"})
    names = os.listdir(broker_root / "queue")
    assert len(names) == 1 and names[0].endswith(".violations.msg")
    payload = json.loads((broker_root / "queue" / names[0]).read_text())
    assert "body" in payload and "properties" in payload


def test_a_fetched_message_stays_on_disk_until_it_is_acknowledged(
    conn: Connection, broker_root: Path
) -> None:
    q = conn.SimpleQueue("violations")
    q.put({"event_id": "e1"})
    msg = q.get(timeout=5)
    assert _queued(broker_root) == [] and len(_held(broker_root)) == 1
    msg.ack()
    assert _queued(broker_root) == [] and _held(broker_root) == []


def test_a_rejected_message_goes_back_to_its_queue_once(
    conn: Connection, broker_root: Path
) -> None:
    q = conn.SimpleQueue("violations")
    q.put({"event_id": "e1"})
    q.get(timeout=5).requeue()
    assert len(_queued(broker_root)) == 1 and _held(broker_root) == []
    again = q.get(timeout=5)
    assert again.payload == {"event_id": "e1"}
    again.ack()
    assert _queued(broker_root) == [] and _held(broker_root) == []


def test_closing_a_consumer_returns_what_it_had_not_acknowledged(broker_root: Path) -> None:
    opts = _options(broker_root)
    with Connection("filesystem://", transport=TRANSPORT, transport_options=opts) as c:
        q = c.SimpleQueue("violations")
        q.put({"event_id": "e1"})
        q.get(timeout=5)
        q.close()
    assert len(_queued(broker_root)) == 1
    assert _held(broker_root) == []
    assert list((broker_root / "unacked").iterdir()) == []


def test_a_live_consumers_messages_are_not_taken_by_another(
    conn: Connection, broker_root: Path
) -> None:
    q = conn.SimpleQueue("violations")
    q.put({"event_id": "e1"})
    msg = q.get(timeout=5)
    assert recover_orphans(broker_root / "unacked", broker_root / "queue") == 0
    assert len(_held(broker_root)) == 1
    msg.ack()


CONSUMER = textwrap.dedent(
    """
    import sys, time
    from kombu import Connection
    root = sys.argv[1]
    opts = {"data_folder_in": root + "/queue", "data_folder_out": root + "/queue",
            "control_folder": root + "/control"}
    c = Connection("filesystem://", transport="config.broker:Transport",
                   transport_options=opts)
    msg = c.SimpleQueue("violations").get(timeout=10)
    print("got", msg.payload["event_id"], flush=True)
    time.sleep(60)  # the task that never finishes: killed here
    """
)


def test_a_message_whose_consumer_was_killed_mid_task_is_delivered_again(
    conn: Connection, broker_root: Path
) -> None:
    conn.SimpleQueue("violations").put({"event_id": "e-killed"})
    proc = subprocess.Popen(
        [sys.executable, "-c", CONSUMER, str(broker_root)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "got e-killed"
        assert _queued(broker_root) == [] and len(_held(broker_root)) == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    # A new consumer finds the dead one's folder unlocked and takes its message back.
    again = conn.SimpleQueue("violations").get(timeout=5)
    assert again.payload == {"event_id": "e-killed"}
    again.ack()
    assert _queued(broker_root) == [] and _held(broker_root) == []
    assert list((broker_root / "unacked").glob("*/*.msg")) == []


def test_a_half_written_message_of_a_dead_publisher_is_never_delivered_and_is_cleaned_up(
    conn: Connection, broker_root: Path
) -> None:
    q = conn.SimpleQueue("violations")  # declares the queue and its folders
    stale = broker_root / "queue" / ".tmp-deadbeef"
    stale.write_text('{"body": "trunc')
    old = stale.stat().st_mtime - 2 * 3600
    os.utime(stale, (old, old))
    fresh = broker_root / "queue" / ".tmp-inprogress"
    fresh.write_text('{"body": "still being wri')
    with pytest.raises(q.Empty):
        q.get(timeout=0.5)
    assert not stale.exists() and fresh.exists()


def test_an_unreadable_message_is_set_aside_and_the_next_one_is_delivered(
    conn: Connection, broker_root: Path
) -> None:
    q = conn.SimpleQueue("violations")
    (broker_root / "queue" / "00000000000000000001_bad.violations.msg").write_text("{trunc")
    q.put({"event_id": "e-good"})
    msg = q.get(timeout=5)
    assert msg.payload == {"event_id": "e-good"}
    msg.ack()
    assert [p.name for p in (broker_root / "corrupt").iterdir()] == [
        "00000000000000000001_bad.violations.msg"
    ]
    assert _queued(broker_root) == [] and _held(broker_root) == []


def test_a_message_consumed_without_acknowledgement_is_not_kept(
    conn: Connection, broker_root: Path
) -> None:
    # Celery's remote-control broadcasts are consumed this way: nothing will ever ack
    # them, so holding them would replay old commands to the next worker.
    q = conn.SimpleQueue("broadcasts", no_ack=True)
    q.put({"command": "ping"})
    assert q.get(timeout=5).payload == {"command": "ping"}
    assert _held(broker_root) == [] and list((broker_root / "queue").glob("*.msg")) == []
    q.put({"command": "ping"})
    assert q.get_nowait().payload == {"command": "ping"}
    assert _held(broker_root) == []
