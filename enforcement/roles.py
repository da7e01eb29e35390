"""Staff roles as Django groups. Residents never log in."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

# role -> "app_label.codename" permissions it grants
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "operator": [
        "cameras.operate_camera",
        "cameras.view_camera",
        "cameras.add_camera",
        "cameras.change_camera",
        "cameras.view_calibration",
        "cameras.add_calibration",
        "cameras.view_calibrationcertificate",
        "cameras.add_calibrationcertificate",
        "cameras.view_selftest",
        "cameras.view_heartbeat",
        # Undeliverable events are mostly camera set-up faults: the operator fixes and replays.
        "enforcement.view_deadletter",
        "enforcement.replay_deadletter",
    ],
    "reviewer": [
        "enforcement.view_violation",
        "enforcement.view_notice",
        "enforcement.review_violation",
        "enforcement.view_evidence",
    ],
    "approver": [
        "enforcement.view_violation",
        "enforcement.view_notice",
        "enforcement.approve_violation",
        "enforcement.mail_notice",
        "enforcement.view_evidence",
    ],
    "equity_reviewer": [
        "policy.view_placementproposal",
        "policy.add_placementproposal",
        "policy.review_placement",
        "policy.adopt_ruleset",
        "cameras.view_camera",
        "cameras.view_trafficcount",
    ],
    "hearing_officer": [
        "enforcement.view_violation",
        "enforcement.view_notice",
        "enforcement.view_evidence",
    ],
    # Decides residents' requests for an income-based reduction (enforcement.portal).
    "clerk": [
        "enforcement.view_notice",
    ],
    "auditor": [
        "policy.view_audit_log",
        "policy.view_auditevent",
        "enforcement.view_violation",
        "enforcement.view_retention",
        "enforcement.view_deletionrecord",
        "enforcement.manage_legal_hold",
        "enforcement.view_deadletter",
        "enforcement.view_notice",
    ],
}

ROLE_LABELS = {
    "operator": _("Camera operator"),
    "reviewer": _("Violation reviewer"),
    "approver": _("Violation approver"),
    "equity_reviewer": _("Equity reviewer"),
    "hearing_officer": _("Hearing officer"),
    "clerk": _("Relief clerk"),
    "auditor": _("Auditor / privacy officer"),
}


def roles_granting(perm: str) -> list[str]:
    """The roles whose permissions include ``perm`` ("app_label.codename")."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def roles_sync() -> None:
    """Create each role group and set exactly its permissions (idempotent)."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def user_roles(user: object) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    if getattr(user, "is_superuser", False):
        return list(ROLE_PERMISSIONS)
    return [role for role in ROLE_PERMISSIONS if role in names]
