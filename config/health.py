"""/healthz: database, broker and evidence storage, each checked and timed.

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
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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


def health_report() -> dict[str, Any]:
    checks = {
        "database": _timed(_database),
        "broker": _timed(_broker),
        "storage": _timed(_storage),
        "retention": _timed(_retention),
    }
    return {
        "status": "ok" if all(c["ok"] for c in checks.values()) else "fail",
        "checks": checks,
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
