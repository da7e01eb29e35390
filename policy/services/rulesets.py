"""Adopting a jurisdiction's preset and revising it: each step a new, immutable
``RuleSetVersion``, audited in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from policy.audit import audit_record
from policy.models import RuleSetVersion
from policy.rules.book import ruleset_preset
from policy.rules.schema import RuleSetError, ruleset_from_data, ruleset_to_data


def _digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; lists and values replace (a fine schedule is one list)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def ruleset_adopt(
    code: str, *, effective_from: dt.date, actor: User | None, note: str = ""
) -> RuleSetVersion:
    """A city adopts the repository's preset as its first stored version."""
    preset = ruleset_preset(code)
    if RuleSetVersion.objects.filter(code=code).exists():
        raise RuleSetError(f"{code} is already adopted: revise it to change it")
    data = ruleset_to_data(preset)
    data["effective_from"] = effective_from.isoformat()
    ruleset_from_data(data, origin=f"{code} (adopted)")
    with transaction.atomic():
        row = RuleSetVersion.objects.create(
            code=code,
            version=preset.version,
            effective_from=effective_from,
            data=data,
            digest=_digest(data),
            origin=RuleSetVersion.Origin.PRESET,
            note=note,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="ruleset.adopted",
            obj=row,
            reason=note,
            details={"code": code, "version": row.version, "digest": row.digest},
        )
    return row


def ruleset_revise(
    code: str,
    *,
    changes: dict[str, Any],
    version: str,
    effective_from: dt.date,
    actor: User | None,
    note: str,
    today: dt.date | None = None,
) -> RuleSetVersion:
    """An edited copy of the latest version, in force from ``effective_from`` (not in the
    past, and after the latest version's date, so no judged violation changes its rules)."""
    if not note.strip():
        raise RuleSetError("a revision needs a written reason")
    base = RuleSetVersion.objects.filter(code=code).order_by("-effective_from").first()
    if base is None:
        raise RuleSetError(f"{code} is not adopted yet: adopt the preset first")
    today = today or timezone.localdate()
    if effective_from < today:
        raise RuleSetError(f"effective_from {effective_from} is in the past (today is {today})")
    if effective_from <= base.effective_from:
        raise RuleSetError(
            f"effective_from {effective_from} must be after version {base.version}'s "
            f"{base.effective_from}"
        )
    for key in ("code", "version", "effective_from"):
        changes.pop(key, None)
    data = _merge(base.data, changes)
    data.update(version=version, effective_from=effective_from.isoformat())
    ruleset_from_data(data, origin=f"{code} version {version}")
    with transaction.atomic():
        row = RuleSetVersion.objects.create(
            code=code,
            version=version,
            effective_from=effective_from,
            data=data,
            digest=_digest(data),
            origin=RuleSetVersion.Origin.EDITED,
            based_on=base,
            note=note,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="ruleset.revised",
            obj=row,
            reason=note,
            details={"code": code, "version": version, "changes": changes, "digest": row.digest},
        )
    return row
