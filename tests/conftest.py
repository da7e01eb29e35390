from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db.backends.signals import connection_created


def _unlock_audit_for_flush(sender: object, connection: object, **kwargs: object) -> None:
    """The audit table's append-only trigger refuses TRUNCATE, and transactional tests end
    by flushing every table: test connections run as a database owner would, with the
    documented unlock; tests of the trigger lock it again (tests/policy)."""
    if getattr(connection, "vendor", "") == "postgresql":
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SET fairspeed.audit_unlock = 'on'")


connection_created.connect(_unlock_audit_for_flush, dispatch_uid="fairspeed-test-audit-unlock")

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data not present at {DATA_DIR}")
    return DATA_DIR


@pytest.fixture
def staff(db: None) -> Callable[..., User]:
    """staff("reviewer") -> a user with that role."""
    from tests.factories import UserFactory

    def make(*roles: str) -> User:
        return UserFactory.create(roles=list(roles))

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2 at production strength costs ~0.5 s per user; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
