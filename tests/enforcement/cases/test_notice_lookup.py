from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enforcement.cases.numbers import notice_number_display, notice_number_new, pin_hash
from enforcement.cases.selectors import notice_lookup
from enforcement.models import Notice, Violation

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(case: Callable[..., Violation]) -> Notice:
    return Notice.objects.create(
        violation=case(),
        kind="citation",
        number=notice_number_new(),
        plate="ABC123",
        pin_hash=pin_hash("ACDEFGHJ"),
        ruleset="demo",
        issued_at=timezone.now(),
    )


def test_a_notice_is_found_by_number_and_plate_or_number_and_pin(notice: Notice) -> None:
    shown = notice_number_display(notice.number)
    assert notice_lookup(shown, plate="abc 123") == notice
    assert notice_lookup(notice.number, pin="acdefghj") == notice
    assert notice_lookup(notice.number, plate="ABC124") is None
    assert notice_lookup(notice.number, pin="ACDEFGHK") is None
    assert notice_lookup(notice.number) is None


def test_a_mistyped_number_is_refused_before_any_query(notice: Notice) -> None:
    typo = notice.number[:3] + str((int(notice.number[3]) + 1) % 10) + notice.number[4:]
    with CaptureQueriesContext(connection) as queries:
        assert notice_lookup(typo, plate="ABC123") is None
    assert len(queries) == 0
