from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

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
