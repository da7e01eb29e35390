"""Write-side operations for cameras (after the HackSoftware styleguide): each function
validates, changes rows inside one transaction and writes the audit event there too."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User

Actor = AbstractBaseUser | AnonymousUser | None


def acting_user(actor: Actor) -> User | None:
    """The user to store in a ``created_by`` column: anonymous and system actors are None."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None
