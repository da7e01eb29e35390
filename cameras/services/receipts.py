"""Delivery receipts: the back office says "stored", the camera worker stops resending.

``receipt_record`` runs inside the transaction that stores a violation or a dead letter,
so a receipt exists exactly when the event is safe in the database.
``receipts_for`` is what the worker's delivery thread polls.
"""

from __future__ import annotations

from collections.abc import Iterable

from cameras.models import DeliveryReceipt

Outcome = DeliveryReceipt.Outcome


def receipt_record(event_id: str, camera_code: str, outcome: str) -> None:
    """Write (or update, when a dead letter is replayed into a violation) one receipt.

    An event without a usable id cannot be resent by id either, so it gets none.
    """
    if not event_id or len(event_id) > 80:
        return
    DeliveryReceipt.objects.update_or_create(
        event_id=event_id,
        defaults={"camera_code": str(camera_code)[:40], "outcome": outcome},
    )


def receipts_for(event_ids: Iterable[str]) -> set[str]:
    """Which of these event ids the back office has receipted."""
    ids = [str(e) for e in event_ids]
    found: set[str] = set()
    for start in range(0, len(ids), 500):  # keep each IN (...) list short
        chunk = ids[start : start + 500]
        found.update(
            DeliveryReceipt.objects.filter(event_id__in=chunk).values_list("event_id", flat=True)
        )
    return found
