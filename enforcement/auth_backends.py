"""django-axes' lock-out check, for every sign-in that arrives with a request.

Every path a person can reach from outside (the sign-in page, HTTP Basic on the API,
the admin) passes the request, and is checked. In-process callers without one
(``Client.login`` in tests, a shell) have no address to lock and are let through to the
password check, where stock django-axes would refuse them with an exception.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
