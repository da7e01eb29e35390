from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import envbool, envint

REPO = Path(__file__).resolve().parents[2]


def _settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path: Path) -> None:
    result = _settings_import({"DEBUG": "0", "FAIRSPEED_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG=0 needs SECRET_KEY" in result.stderr


def test_it_starts_with_debug_off_when_a_key_is_given(tmp_path: Path) -> None:
    result = _settings_import(
        {"DEBUG": "0", "SECRET_KEY": "x" * 50, "FAIRSPEED_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr


def test_it_generates_a_private_dev_key_once_and_reuses_it(tmp_path: Path) -> None:
    assert _settings_import({"DEBUG": "1", "FAIRSPEED_VAR_DIR": str(tmp_path)}).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _settings_import({"DEBUG": "1", "FAIRSPEED_VAR_DIR": str(tmp_path)}).returncode == 0
    assert key_file.read_text() == first


def test_envbool_rejects_a_typo_instead_of_guessing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ValueError, match="X_FLAG"):
        envbool("X_FLAG", False)


def test_envint_reads_numbers_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_NUM", "42")
    assert envint("X_NUM", 1) == 42
    monkeypatch.delenv("X_NUM")
    assert envint("X_NUM", 7) == 7
