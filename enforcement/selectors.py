"""Read-side queries for the enforcement app."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StaffLink:
    role: str
    title: str
    description: str
    url: str


# Each role's work, in the order a person in that role would reach for it. URL names
# that do not exist yet are skipped, so the page never links to a 404.
_ROLE_WORK: list[tuple[str, str, str | Promise, str | Promise]] = [
    ("operator", "cameras:list", _("Cameras"), _("Register cameras, calibrate, certify.")),
    ("operator", "cameras:health", _("Camera health"), _("Heartbeats, self-tests, certificates.")),
    ("reviewer", "enforcement:review-queue", _("Review queue"), _("First review of violations.")),
    ("approver", "enforcement:approval-queue", _("Approval queue"), _("Second approval.")),
    ("reviewer", "contests:list", _("Contests"), _("Initial review of residents' contests.")),
    ("equity_reviewer", "policy:placements", _("Placements"), _("Review camera placements.")),
    ("hearing_officer", "contests:list", _("Hearings"), _("Decide contested cases.")),
    ("clerk", "relief:list", _("Relief requests"), _("Decide income-based reductions.")),
    ("auditor", "policy:audit-log", _("Audit log"), _("Tamper-evident record of every change.")),
    ("auditor", "admin:index", _("Administration"), _("Read-only records (Django admin).")),
]


def staff_home_links(roles: list[str]) -> list[StaffLink]:
    links = []
    for role, url_name, title, description in _ROLE_WORK:
        if role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        links.append(StaffLink(role, str(title), str(description), url))
    return links


def transparency_summary() -> dict[str, object]:
    """Public aggregate numbers only: no plate, image or per-vehicle data."""
    from django.db.models import Count, Sum

    from cameras.models import Camera, TrafficCount
    from enforcement.models import Violation

    by_status = dict(
        Violation.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    counted = TrafficCount.objects.aggregate(vehicles=Sum("vehicles"), over=Sum("over_limit"))
    return {
        "cameras_active": Camera.objects.filter(active=True).count(),
        "vehicles_counted": counted["vehicles"] or 0,
        "vehicles_over_limit": counted["over"] or 0,
        "violations_by_status": by_status,
    }
