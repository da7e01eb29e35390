"""Styled error pages in the visitor's language, each saying what to do next.

Django's defaults are a bare line of text (DEBUG off) or a technical page that lists
every URL pattern (DEBUG on); these render the site's own layout instead. The 500 page
is rendered with the request so the layout (language, menu) still works.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from enforcement.roles import ROLE_LABELS, roles_granting


def _render(request: HttpRequest, status: int, context: dict[str, object]) -> HttpResponse:
    try:
        body = loader.render_to_string(f"errors/{status}.html", context, request)
    except Exception:  # an error page must never fail: fall back to plain text
        return HttpResponse(f"Error {status}", status=status, content_type="text/plain")
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400, {})


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    perm = getattr(exception, "perm", "")
    roles = [ROLE_LABELS[role] for role in roles_granting(perm)] if perm else []
    return _render(request, 403, {"needed_roles": roles})


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404, {})


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500, {})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the styled 403 instead of Django's technical one."""
    return _render(request, 403, {})
