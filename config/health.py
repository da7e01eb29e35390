"""/healthz: database, broker, evidence storage and retention, each checked and timed;
how durable the broker is; and, per camera, the events still waiting for the back
office's receipt.

The public sees only up or down; the per-check detail (which names the database engine
and broker, and repeats error messages) is for signed-in staff or a monitor that sends
``Authorization: Bearer <HEALTHZ_TOKEN>``.
"""

from __future__ import annotations

import hmac
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# A camera whose oldest unreceipted event is older than this is named in the warnings.
RECEIPT_WARN_S = 600.0


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # a health check reports failures, it must not raise them
        detail = f"{type(exc).__name__}: {exc}"
        ok = False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else conn.as_uri()


def _storage() -> str:
    store = storages["evidence"]
    name = store.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    store.delete(name)
    return type(store).__name__


def _retention() -> str:
    from enforcement.retention import retention_purge

    overdue = retention_purge(dry_run=True).overdue
    if overdue:
        raise RuntimeError(f"{overdue} records overdue for deletion: is the nightly purge running?")
    return "nothing overdue"


def broker_durability(url: str | None = None) -> dict[str, Any]:
    """Whether a broker restart keeps queued messages.

    Redis keeps them only with append-only persistence (snapshots lose what arrived
    since the last one); the on-disk broker fsyncs each message; RabbitMQ queues are
    declared durable and messages persistent. The cameras resend what has no receipt,
    so a non-durable broker delays violations rather than losing them, but it is worth
    a warning.
    """
    url = url if url is not None else str(settings.CELERY_BROKER_URL)
    if url.startswith("filesystem://"):
        return {"durable": True, "detail": "on-disk broker: each message fsynced"}
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            appendonly = client.config_get("appendonly").get("appendonly")
        except Exception as exc:  # CONFIG may be disabled on managed Redis
            return {"durable": None, "detail": f"could not read appendonly: {exc}"}
        durable = appendonly == "yes"
        return {"durable": durable, "detail": f"redis appendonly={appendonly}"}
    if url.startswith(("amqp://", "amqps://", "pyamqp://")):
        return {"durable": True, "detail": "RabbitMQ: durable queues, publisher confirms"}
    return {"durable": None, "detail": "unknown broker durability"}


def delivery_backlog() -> dict[str, dict[str, Any]]:
    """Per camera, from its latest heartbeat: events published but not yet receipted,
    and the age of the oldest one now (its age at the heartbeat plus the time since)."""
    from cameras.models import Camera

    now = timezone.now()
    out: dict[str, dict[str, Any]] = {}
    for camera in Camera.objects.filter(active=True).order_by("code"):
        beat = camera.heartbeats.order_by("-received_at", "-pk").first()
        if beat is None:
            continue
        spool = (beat.details or {}).get("spool") or {}
        awaiting = int(spool.get("awaiting") or 0)
        oldest = spool.get("oldest_awaiting_s")
        since = (now - beat.received_at).total_seconds()
        age = round(float(oldest) + since, 1) if awaiting and oldest is not None else None
        out[camera.code] = {
            "pending": beat.spool_events,
            "awaiting_receipt": awaiting,
            "oldest_awaiting_s": age,
            "heartbeat_age_s": round(since, 1),
        }
    return out


def health_report() -> dict[str, Any]:
    checks = {
        "database": _timed(_database),
        "broker": _timed(_broker),
        "storage": _timed(_storage),
        "retention": _timed(_retention),
    }
    warnings: list[str] = []
    durability = broker_durability()
    if durability["durable"] is False:
        warnings.append(
            f"the broker is not durable ({durability['detail']}): a restart loses queued "
            "violations until the cameras resend them; turn on appendonly"
        )
    try:
        backlog = delivery_backlog() if checks["database"]["ok"] else {}
    except Exception as exc:  # the page must answer even if the heartbeat query fails
        backlog = {}
        warnings.append(f"delivery backlog unavailable: {exc}")
    for code, row in backlog.items():
        if (row["oldest_awaiting_s"] or 0) > RECEIPT_WARN_S:
            warnings.append(
                f"camera {code}: {row['awaiting_receipt']} event(s) without a receipt, the "
                f"oldest for {row['oldest_awaiting_s']:.0f} s"
            )
    return {
        "status": "ok" if all(c["ok"] for c in checks.values()) else "fail",
        "checks": checks,
        "broker_durability": durability,
        "delivery": backlog,
        "warnings": warnings,
    }


def _may_see_detail(request: HttpRequest) -> bool:
    token = settings.HEALTHZ_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    user = request.user
    return bool(
        user.is_authenticated and (user.is_staff or user.has_perm("cameras.view_heartbeat"))
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    status = 200 if report["status"] == "ok" else 503
    if not _may_see_detail(request):
        return JsonResponse({"status": report["status"]}, status=status)
    return JsonResponse(report, status=status)
