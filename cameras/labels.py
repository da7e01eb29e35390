"""Words for the machine keys the worker writes (self-test checks, heartbeat states).

The worker stores stable English keys; people read these translated labels. A key not
listed here is shown as it is, so a new check never breaks a page.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SELFTEST_CHECKS: dict[str, str | Promise] = {
    "timestamps_increasing": _("Frame timestamps increase"),
    "frame_rate": _("Frame rate"),
    "largest_gap": _("Largest gap between frames"),
    "clock_offset": _("Clock offset"),
    "reference_distances": _("Reference distances"),
    "picture_brightness": _("Picture brightness"),
    "picture_not_blank": _("Picture not blank"),
    "picture_not_frozen": _("Picture not frozen"),
}

HEARTBEAT_STATES: dict[str, str | Promise] = {
    "starting": _("starting"),
    "running": _("running"),
    "reconnecting": _("reconnecting"),
    "building": _("building evidence"),
    "draining": _("sending what is left"),
    "stopped": _("stopped"),
    "stale": _("stale (no heartbeat)"),
}


def selftest_check_label(key: str) -> str:
    return str(SELFTEST_CHECKS.get(key, key))


def heartbeat_state_label(key: str) -> str:
    return str(HEARTBEAT_STATES.get(key, key))
