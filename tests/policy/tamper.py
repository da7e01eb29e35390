"""Changing audit rows behind the application's back, as someone with database access
could: raw SQL, with the documented trigger unlock that test connections already hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from django.db.backends.utils import _SQLType  # what a cursor adapts to SQL


def tamper(sql: str, *params: _SQLType) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
