"""Evidence limits read from settings: sizes (both ends of the delivery) and what a
plate needs to be readable (the calibration screen and the self-test)."""

from __future__ import annotations

from django.conf import settings


def max_message_bytes() -> int:
    """Largest evidence package that rides inside the Celery message (base64)."""
    return int(str(settings.FAIRSPEED["MAX_EVIDENCE_MESSAGE_BYTES"]))


def max_package_bytes() -> int:
    """Largest package accepted through storage (default 8x the message limit)."""
    return int(str(settings.FAIRSPEED.get("MAX_EVIDENCE_PACKAGE_BYTES", 8 * max_message_bytes())))


def plate_width_m() -> float:
    """Width of the jurisdiction's plates: 0.52 m in the EU and UK, 0.305 m in the US."""
    return int(str(settings.FAIRSPEED.get("PLATE_WIDTH_MM", 520))) / 1000.0


def min_plate_px() -> int:
    """Pixels a plate must span to be read (see cameras.vision.measure.readability)."""
    return int(str(settings.FAIRSPEED.get("MIN_PLATE_PX", 80)))


def plate_gates() -> bool:
    """Whether a camera whose plates are too narrow fails its self-test (and so can issue
    nothing) or only gets a warning."""
    return bool(settings.FAIRSPEED.get("PLATE_WIDTH_GATES_SELFTEST", False))
