"""Registering and editing sites and cameras (audited with the fields that changed)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from cameras.models import Camera, Site
from cameras.services import Actor
from policy.audit import audit_record


def _snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _plain(value: Any) -> Any:
    # Audit details are JSON: a related row is recorded by its primary key.
    return value.pk if isinstance(value, models.Model) else value


def _save_audited(
    obj: models.Model, fields: dict[str, Any], action: str, actor: Actor, reason: str
) -> list[str]:
    """Assign ``fields``, save, and audit the before/after of what changed."""
    created = obj.pk is None
    # From the database, not ``obj``: a ModelForm has already written its input into it.
    stored = None if created else type(obj)._default_manager.get(pk=obj.pk)
    before = {} if stored is None else _snapshot(stored, list(fields))
    for name, value in fields.items():
        setattr(obj, name, value)
    changed = [n for n in fields if created or before[n] != getattr(obj, n)]
    if not changed:
        return []
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        details: dict[str, Any] = {"after": {n: _plain(getattr(obj, n)) for n in changed}}
        if not created:
            details["before"] = {n: _plain(before[n]) for n in changed}
        audit_record(actor=actor, action=action, obj=obj, reason=reason, details=details)
    return changed


def site_create(*, actor: Actor, fields: dict[str, Any]) -> Site:
    site = Site()
    _save_audited(site, fields, "site.created", actor, "")
    return site


def site_update(*, site: Site, actor: Actor, fields: dict[str, Any], reason: str = "") -> list[str]:
    """Returns the names of the fields that changed (nothing is written when none did)."""
    return _save_audited(site, fields, "site.updated", actor, reason)


def camera_create(*, actor: Actor, fields: dict[str, Any]) -> Camera:
    camera = Camera()
    _save_audited(camera, fields, "camera.created", actor, "")
    return camera


def camera_update(
    *, camera: Camera, actor: Actor, fields: dict[str, Any], reason: str = ""
) -> list[str]:
    """Returns the names of the fields that changed (nothing is written when none did)."""
    return _save_audited(camera, fields, "camera.updated", actor, reason)
