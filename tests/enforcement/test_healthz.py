from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def token(settings) -> str:  # type: ignore[no-untyped-def]
    settings.HEALTHZ_TOKEN = "monitor-secret"
    return "monitor-secret"


def _detail(client: Client, token: str):  # type: ignore[no-untyped-def]
    return client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
def test_the_public_only_learns_whether_the_service_is_up(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_a_monitor_with_the_token_sees_database_broker_and_storage(
    client: Client, token: str
) -> None:
    response = _detail(client, token)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage", "retention"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "debug" not in body


@pytest.mark.django_db
def test_a_wrong_token_gets_the_public_answer(client: Client, token: str) -> None:
    assert _detail(client, "guess").json() == {"status": "ok"}


@pytest.mark.django_db
def test_an_operator_signed_in_sees_the_detail(client: Client, staff) -> None:  # type: ignore[no-untyped-def]
    client.force_login(staff("operator"))
    assert "checks" in client.get("/healthz").json()


@pytest.mark.django_db
def test_a_reviewer_signed_in_gets_only_up_or_down(client: Client, staff) -> None:  # type: ignore[no-untyped-def]
    client.force_login(staff("reviewer"))
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_says_503_when_the_broker_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    from config.celery import app

    # Celery resolves the write URL separately from broker_url: point both nowhere.
    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, key, "redis://127.0.0.1:1/0")  # nothing listens on 1
    # The on-disk default names its transport class, which would win over the URL.
    monkeypatch.setitem(app.conf, "broker_transport", None)
    public = client.get("/healthz")
    assert public.status_code == 503 and public.json() == {"status": "fail"}
    response = _detail(client, token)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.django_db
def test_healthz_only_answers_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_shows_each_cameras_events_awaiting_a_receipt_and_warns_when_old(
    client: Client, token: str
) -> None:
    from cameras.services.heartbeat import heartbeat_record
    from tests.factories import CameraFactory

    quiet, stuck = CameraFactory(code="cam-quiet"), CameraFactory(code="cam-stuck")
    heartbeat_record(quiet, worker_id="w1", details={"spool": {"awaiting": 0}})
    heartbeat_record(
        stuck, worker_id="w2", details={"spool": {"awaiting": 3, "oldest_awaiting_s": 900.0}}
    )
    body = _detail(client, token).json()
    assert body["delivery"]["cam-quiet"]["awaiting_receipt"] == 0
    assert body["delivery"]["cam-stuck"]["awaiting_receipt"] == 3
    assert body["delivery"]["cam-stuck"]["oldest_awaiting_s"] >= 900
    assert any("cam-stuck" in w and "3 event(s)" in w for w in body["warnings"])
    assert not any("cam-quiet" in w for w in body["warnings"])


@pytest.mark.django_db
def test_healthz_calls_the_on_disk_broker_durable(
    client: Client, token: str, settings: Any
) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"  # CI's second run uses Redis
    body = _detail(client, token).json()
    assert body["broker_durability"]["durable"] is True
    assert not any("not durable" in w for w in body["warnings"])
