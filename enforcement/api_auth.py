"""HTTP Basic for the API that says when django-axes has locked the account.

django-axes refuses every password, the right one included, once an account or address
is locked; its middleware turns that into the lock-out page for the sign-in form, but it
never sees DRF's request wrapper, so the API would only say "invalid password". This
answers 429 instead, so a script knows to stop rather than keep guessing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication


class LockedOut(exceptions.Throttled):
    default_detail = _("Too many wrong passwords: sign-in is locked for a while.")


class LockoutAwareBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(
        self, userid: str, password: str, request: Any = None
    ) -> tuple[Any, None]:
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(detail=LockedOut.default_detail) from None
            raise


class LockoutAwareBasicScheme(BasicScheme):
    """The OpenAPI schema describes it as the plain HTTP Basic it is."""

    target_class = "enforcement.api_auth.LockoutAwareBasicAuthentication"
