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
    url: str  # "" while the tool is still to come


# Each role's work, in the order a person in that role would reach for it. A tool whose
# URL does not exist yet is listed as coming, with what it will do, never as a dead link.
_ROLE_WORK: list[tuple[str, str, str | Promise, str | Promise]] = [
    ("operator", "cameras:list", _("Cameras"), _("Register cameras, calibrate, certify.")),
    ("operator", "cameras:health", _("Camera health"), _("Heartbeats, self-tests, certificates.")),
    ("operator", "dead-letters:list", _("Dead letters"), _("Events that could not be stored.")),
    ("operator", "cameras:sites", _("Sites"), _("Where cameras stand and their speed limits.")),
    (
        "reviewer",
        "enforcement:review-queue",
        _("Review queue"),
        _("First review of each violation's evidence and plate."),
    ),
    (
        "approver",
        "enforcement:approval-queue",
        _("Approval queue"),
        _("Second, independent approval before any owner lookup."),
    ),
    ("reviewer", "contests:list", _("Contests"), _("Initial review of residents' contests.")),
    ("approver", "enforcement:mailing", _("Mailing batches"), _("Print and mail notices.")),
    (
        "equity_reviewer",
        "policy:placements",
        _("Placements"),
        _("Review camera placements against crash, speed and neighbourhood data."),
    ),
    ("equity_reviewer", "cameras:list", _("Cameras"), _("Read-only list of installed cameras.")),
    (
        "equity_reviewer",
        "policy:equity",
        _("Equity dashboard"),
        _("Where notices fall, by neighbourhood and income."),
    ),
    (
        "hearing_officer",
        "contests:list",
        _("Hearings"),
        _("Decide contested cases with the whole case file."),
    ),
    ("clerk", "relief:list", _("Relief requests"), _("Decide income-based reductions.")),
    ("auditor", "policy:audit-log", _("Audit log"), _("Tamper-evident record of every change.")),
    (
        "auditor",
        "enforcement:retention",
        _("Retention report"),
        _("What was deleted, when, and what is held."),
    ),
    ("auditor", "dead-letters:list", _("Dead letters"), _("Events that could not be stored.")),
]


def staff_home_links(roles: list[str]) -> list[StaffLink]:
    links = []
    for role, url_name, title, description in _ROLE_WORK:
        if role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = ""
        links.append(StaffLink(role, str(title), str(description), url))
    return links
