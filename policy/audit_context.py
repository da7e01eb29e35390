"""Which request an audit event belongs to, and where it came from.

A middleware opens a context per request: an id (the caller's ``X-Request-ID`` when it
is a sane token, else a new one, echoed in the response) and the client address as a
keyed hash. ``audit_record`` reads it, so every event written while serving the request
carries both without each service passing them along. Outside a request (Celery, the
camera worker, commands) both are empty unless a caller opens a context itself.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SOURCE_SALT = "fairspeed.audit.source"


@dataclass(frozen=True)
class AuditContext:
    request_id: str = ""
    source: str = ""


_NONE = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def audit_context() -> AuditContext:
    return _current.get() or _NONE


def source_hash(address: str) -> str:
    """A keyed hash of a client address (HMAC with the project's secret key): events
    from one address can be grouped without the address ever being stored."""
    return salted_hmac(_SOURCE_SALT, address, algorithm="sha256").hexdigest()[:32]


@contextlib.contextmanager
def audit_context_open(request_id: str, address: str = "") -> Iterator[AuditContext]:
    context = AuditContext(request_id, source_hash(address) if address else "")
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def _request_id(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = str(request.META.get("REMOTE_ADDR", ""))
        with audit_context_open(_request_id(request), address) as context:
            response = self.get_response(request)
        response["X-Request-ID"] = context.request_id
        return response
