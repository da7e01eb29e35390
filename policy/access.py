"""Permission checks for staff pages, shared by every app.

A signed-out visitor goes to the sign-in page; a signed-in user without the permission
gets the styled 403 page, which names the roles that grant it (the exception carries
the permission for the error view to look up).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]


class MissingPermission(PermissionDenied):
    """PermissionDenied that says which permission was missing."""

    def __init__(self, perm: str) -> None:
        super().__init__(perm)
        self.perm = perm


def require(perm: str) -> Callable[[View], View]:
    """Anonymous visitors go to sign in; a signed-in user without ``perm`` gets 403.

    Django's permission_required sends both to the sign-in page, which only confuses a
    reviewer who is already signed in.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise MissingPermission(perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
