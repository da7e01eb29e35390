"""Permission checks for operator pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]

OPERATE = "cameras.operate_camera"
VIEW = "cameras.view_camera"


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
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
