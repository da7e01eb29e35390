"""Evidence size limits, read from settings by both ends of the delivery."""

from __future__ import annotations

from django.conf import settings


def max_message_bytes() -> int:
    """Largest evidence package that rides inside the Celery message (base64)."""
    return int(str(settings.FAIRSPEED["MAX_EVIDENCE_MESSAGE_BYTES"]))


def max_package_bytes() -> int:
    """Largest package accepted through storage (default 8x the message limit)."""
    return int(str(settings.FAIRSPEED.get("MAX_EVIDENCE_PACKAGE_BYTES", 8 * max_message_bytes())))
