"""Changing audit rows behind the application's back, as someone with database access
could: raw SQL, with the documented trigger unlock that test connections already hold."""

from __future__ import annotations

from django.db import connection


def tamper(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
