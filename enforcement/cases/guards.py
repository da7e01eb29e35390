"""What every case transition checks first: the source state and the actor's role."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from enforcement.models import Violation
from enforcement.roles import user_roles

Actor = AbstractBaseUser | AnonymousUser


class TransitionError(Exception):
    """A transition refused: wrong state, wrong role, the same person twice, a bad reason."""


class CaseTaken(TransitionError):
    """Another reviewer has this case open right now."""


def require_state(violation: Violation, allowed: Iterable[str], action: str) -> None:
    allowed = list(allowed)
    if violation.status not in allowed:
        raise TransitionError(
            f"cannot {action} violation {violation.pk}: it is {violation.status}, "
            f"not {' or '.join(allowed)}"
        )


def require_role(actor: Any, role: str, action: str) -> None:
    if role not in user_roles(actor):
        name = getattr(actor, "username", "anonymous")
        raise TransitionError(f"{name} may not {action}: needs the {role} role")
