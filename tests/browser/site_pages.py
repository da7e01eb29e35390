"""Every page of the site, for every role: found from the URL patterns, not listed by
hand, so a page added later is checked without anyone remembering to add it.

A pattern's arguments are filled from one demo camera, site, placement and dead letter
(a ``prefix|name`` value applies to the routes under that prefix); a pattern with an
argument nothing fills is left to its own browser test (the case, contest and relief
pages have theirs); a page that answers
GET with something other than HTML (a JSON export, a file, 405 for a POST-only
action) is not a page and is left to its own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from enforcement.roles import ROLE_PERMISSIONS

ROLES: tuple[str, ...] = ("anonymous", *ROLE_PERMISSIONS)
# Not ours to style (Django admin), not pages (API, language switch, health JSON).
SKIP_PREFIXES = ("admin/", "api/v1/", "api/schema/", "i18n/", "healthz", "staff/logout/")
# Reached from an emailed link only (its token cannot be filled from a pattern), or
# files rather than pages (their own tests cover them).
SKIP_NAMES = {"password_reset_confirm", "certificate-document", "still"}


@dataclass(frozen=True)
class Page:
    role: str
    path: str
    status: int


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route, entry


def _value(route: str, name: str, values: dict[str, str]) -> str | None:
    """The value for ``name`` in ``route``: a key "prefix|name" whose prefix starts the
    route wins (the longest), else the plain ``name`` key."""
    scoped = [k for k in values if "|" in k and k.endswith(f"|{name}")]
    matching = [k for k in scoped if route.startswith(k.split("|", 1)[0])]
    if matching:
        return values[max(matching, key=len)]
    return values.get(name)


def _fill(route: str, values: dict[str, str]) -> str | None:
    import re

    path = route.replace("^", "").replace("$", "").replace("\\Z", "")
    for name in re.findall(r"<(?:\w+:)?(\w+)>", path):
        value = _value(path, name, values)
        if value is None:
            return None
        path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
    return "/" + path


def site_paths(values: dict[str, str]) -> list[str]:
    paths: list[str] = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or pattern.name in SKIP_NAMES:
            continue
        path = _fill(route, values)
        if path is not None and path not in paths:
            paths.append(path)
    return [*paths, "/no-such-page/"]


def site_pages(clients: dict[str, Client], values: dict[str, str]) -> tuple[list[Page], list[Page]]:
    """(HTML pages to look at, answers that are wrong) for every role and path.

    A page is HTML answered 200, 403 (a role without permission) or 404 (only the
    deliberately missing page). Wrong: any 5xx, or a 404 for a path built from a real
    pattern (a broken page).
    """
    pages, wrong = [], []
    for path in site_paths(values):
        for role, client in clients.items():
            response = client.get(path)
            page = Page(role, path, response.status_code)
            missing = response.status_code == 404 and path != "/no-such-page/"
            if response.status_code >= 500 or missing:
                wrong.append(page)
            elif response.status_code in (200, 403, 404) and response.get(
                "Content-Type", ""
            ).startswith("text/html"):
                pages.append(page)
    return pages, wrong
