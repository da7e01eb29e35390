"""Sign-ins, failed sign-ins, lock-outs and role changes, written to the audit log.

Django and django-axes announce these only as signals (the sign-in views and the admin
are theirs, not ours), so the receivers here are the one place they are recorded.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.http import HttpRequest

from enforcement.roles import ROLE_PERMISSIONS
from policy.audit import audit_record


def _client(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "path": request.path}


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.sign_in", obj=user, details=_client(request))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.sign_out", obj=user, details=_client(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the name is kept.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        action="auth.sign_in_failed",
        actor_label=f"anonymous ({username})" if username else "anonymous",
        details={"username": username, **_client(request)},
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str, ip_address: str, **kwargs: Any
) -> None:
    audit_record(
        actor=None,
        action="auth.locked_out",
        actor_label="django-axes",
        details={"username": username, "ip": ip_address},
    )


def on_roles_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    pks = pk_set or set()
    users = [instance] if not reverse else list(get_user_model().objects.filter(pk__in=pks))
    groups = [instance] if reverse else list(Group.objects.filter(pk__in=pks))
    role_names = sorted(g.name for g in groups)
    for user in users:
        audit_record(
            actor=None,
            # The signal does not say who made the change (admin, shell, a service);
            # the admin's own LogEntry names the person for changes made there.
            actor_label="system",
            action=f"auth.roles_{action.removeprefix('post_')}",
            obj=user,
            details={
                "username": user.get_username(),
                "roles": role_names,
                "known_roles": [r for r in role_names if r in ROLE_PERMISSIONS],
                "now": sorted(user.groups.values_list("name", flat=True)),
            },
        )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="fairspeed-audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="fairspeed-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="fairspeed-audit-login-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="fairspeed-audit-locked-out")
    m2m_changed.connect(
        on_roles_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="fairspeed-audit-roles",
    )
