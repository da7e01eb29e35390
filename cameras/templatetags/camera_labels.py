"""Template filters that turn worker keys into translated words (see cameras.labels)."""

from __future__ import annotations

from django import template

from cameras.labels import heartbeat_state_label, selftest_check_label

register = template.Library()
register.filter("check_label", selftest_check_label)
register.filter("heartbeat_label", heartbeat_state_label)
