"""Exceptions of the measurement engine.

They live in their own module so that every stage (calibration, geometry, source, detector)
can raise them without importing each other, and callers (the CLI, the camera worker) can
catch one family and map it to an exit code or a health status.
"""

from __future__ import annotations


class VisionError(Exception):
    """Base class of every error the measurement engine raises on purpose."""


class CalibrationError(VisionError, ValueError):
    """The calibration cannot be used; the message says what to fix."""


class VideoSourceError(VisionError, OSError):
    """The video cannot be opened or decoded; the message names the source and the frame."""


class DetectorError(VisionError, RuntimeError):
    """The requested detector cannot be built (missing weights, unknown kind)."""
