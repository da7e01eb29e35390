from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_storage(client: Client) -> None:
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_healthz_says_503_when_the_broker_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.celery import app

    # Celery resolves the write URL separately from broker_url: point both nowhere.
    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, key, "redis://127.0.0.1:1/0")  # nothing listens on 1
    # The on-disk default names its transport class, which would win over the URL.
    monkeypatch.setitem(app.conf, "broker_transport", None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.django_db
def test_healthz_only_answers_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_shows_each_cameras_events_awaiting_a_receipt_and_warns_when_old(
    client: Client,
) -> None:
    from cameras.services.heartbeat import heartbeat_record
    from tests.factories import CameraFactory

    quiet, stuck = CameraFactory(code="cam-quiet"), CameraFactory(code="cam-stuck")
    heartbeat_record(quiet, worker_id="w1", details={"spool": {"awaiting": 0}})
    heartbeat_record(
        stuck, worker_id="w2", details={"spool": {"awaiting": 3, "oldest_awaiting_s": 900.0}}
    )
    body = client.get("/healthz").json()
    assert body["delivery"]["cam-quiet"]["awaiting_receipt"] == 0
    assert body["delivery"]["cam-stuck"]["awaiting_receipt"] == 3
    assert body["delivery"]["cam-stuck"]["oldest_awaiting_s"] >= 900
    assert any("cam-stuck" in w and "3 event(s)" in w for w in body["warnings"])
    assert not any("cam-quiet" in w for w in body["warnings"])


@pytest.mark.django_db
def test_healthz_calls_the_on_disk_broker_durable(client: Client) -> None:
    body = client.get("/healthz").json()
    assert body["broker_durability"]["durable"] is True
    assert not any("not durable" in w for w in body["warnings"])
