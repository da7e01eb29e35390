"""Failed look-ups counted per address and per notice number in Django's cache.

A small fixed-window limiter rather than a library: the portal needs to tell the
resident *until when* the lock-out lasts, which django-ratelimit does not expose, and
the counters must be shared by every web process (use a shared cache such as Redis
in production: ``CACHE_URL``). Keys hold a hash of the subject, never the address or
the number in the clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone


@dataclass(frozen=True)
class Limit:
    name: str
    failures: int  # this many failures inside the window lock the subject out
    window: dt.timedelta


# An honest resident mistypes a plate a few times; a script walking notice numbers
# from one address, or guessing PINs for one number, is stopped quickly.
BY_ADDRESS = Limit("address", 20, dt.timedelta(minutes=15))
BY_NUMBER = Limit("number", 5, dt.timedelta(hours=1))


def _key(limit: Limit, subject: str, part: str) -> str:
    digest = hashlib.sha256(f"{limit.name}:{subject}".encode()).hexdigest()[:32]
    return f"portal:lookup:{part}:{digest}"


def lockout_until(checks: list[tuple[Limit, str]]) -> dt.datetime | None:
    """The latest time any of these subjects stays locked out, or None (one cache call)."""
    keys = [
        (_key(limit, subject, "count"), _key(limit, subject, "start")) for limit, subject in checks
    ]
    found = cache.get_many([key for pair in keys for key in pair])
    until: dt.datetime | None = None
    for (limit, _subject), (count_key, start_key) in zip(checks, keys, strict=True):
        count, started = found.get(count_key, 0), found.get(start_key)
        if count >= limit.failures and started is not None:
            end = dt.datetime.fromtimestamp(started, tz=dt.UTC) + limit.window
            if end > timezone.now() and (until is None or end > until):
                until = end
    return until


def failure_record(checks: list[tuple[Limit, str]]) -> None:
    now = timezone.now().timestamp()
    for limit, subject in checks:
        seconds = int(limit.window.total_seconds())
        cache.add(_key(limit, subject, "start"), now, seconds)
        count_key = _key(limit, subject, "count")
        if not cache.add(count_key, 1, seconds):
            try:
                cache.incr(count_key)
            except ValueError:  # expired between add and incr
                cache.add(count_key, 1, seconds)
