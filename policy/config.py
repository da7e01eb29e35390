"""The equity office's configurable numbers, read from ``settings.FAIRSPEED`` with these
defaults (a city sets them in its environment-built settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Equity reviewers who must approve a placement (none may be its proposer).
    "PLACEMENT_QUORUM": 2,
    # A tract is low-income below this share of the city's median household income
    # (0.8: HUD's "low income" is 80% of the area median).
    "LOW_INCOME_SHARE": 0.8,
    "COMMENT_PERIOD_DAYS": 30,
    "CRASH_RADIUS_M": 250,
    "CRASH_YEARS": 5,
    "REREVIEW_DAYS": 365,
}


def policy_setting(name: str) -> Any:
    return getattr(settings, "FAIRSPEED", {}).get(name, DEFAULTS[name])
