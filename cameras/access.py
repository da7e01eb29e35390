"""Permission checks for operator pages (the shared decorator lives in policy.access)."""

from __future__ import annotations

from policy.access import MissingPermission, require

OPERATE = "cameras.operate_camera"
VIEW = "cameras.view_camera"

__all__ = ["OPERATE", "VIEW", "MissingPermission", "require"]
