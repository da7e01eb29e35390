"""Append-only, hash-chained audit log (after zulip: written in the same transaction as
the change it records). Verification lives in ``policy.audit_chain``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files import File
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from policy.audit_context import audit_context
from policy.models import AuditEvent

GENESIS = "0" * 64
# Any constant: serialises writers on PostgreSQL so two rows never share a predecessor.
_PG_LOCK_KEY = 0x_FA15_A0D1


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def audit_digest(event: AuditEvent) -> str:
    """SHA-256 over the row's content and its predecessor's hash (the chain's link)."""
    fields = {
        "created_at": event.created_at.isoformat(),
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reason": event.reason,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    # Added later: covered only when set, so rows written before them keep their hashes.
    if event.request_id:
        fields["request_id"] = event.request_id
    if event.source:
        fields["source"] = event.source
    return hashlib.sha256(_canonical(fields)).hexdigest()


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction that makes the change."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    label = actor_label or (user.get_username() if user is not None else "system")
    context = audit_context()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").only("hash").first()
        event = AuditEvent(
            created_at=timezone.now(),
            actor=user,  # type: ignore[misc]
            actor_label=label,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            reason=reason,
            # Round-trip through JSON so the hash covers exactly what the database stores.
            details=json.loads(json.dumps(details or {}, default=str)),
            request_id=context.request_id,
            source=context.source,
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = audit_digest(event)
        event.save()
    return event


def audit_file_open(
    field: FieldFile,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model,
    details: dict[str, Any],
) -> File[bytes]:
    """Open a stored file for someone to read, and audit who read it.

    The file is opened first, so a file that cannot be served is not recorded as read.
    """
    handle: File[bytes] = field.open("rb")
    try:
        audit_record(actor=actor, action=action, obj=obj, details=details)
    except BaseException:
        handle.close()
        raise
    return handle
