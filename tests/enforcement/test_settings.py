from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import envbool, envint

REPO = Path(__file__).resolve().parents[2]


def _settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "FAIRSPEED_ENV"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _setting(name: str, env: dict[str, str]) -> str:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "FAIRSPEED_ENV"}
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print(repr(s.{name}))"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    assert _setting("DEBUG", {"FAIRSPEED_VAR_DIR": str(tmp_path)}) == "False"
    assert _setting("DEBUG", {"DEBUG": "1", "FAIRSPEED_VAR_DIR": str(tmp_path)}) == "True"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _settings_import({"FAIRSPEED_ENV": "production", "FAIRSPEED_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_debug(tmp_path: Path) -> None:
    env = {"FAIRSPEED_ENV": "production", "DEBUG": "1", "SECRET_KEY": "x" * 50}
    result = _settings_import({**env, "FAIRSPEED_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "refuses DEBUG=1" in result.stderr


def test_production_starts_when_a_key_is_given(tmp_path: Path) -> None:
    env = {"FAIRSPEED_ENV": "production", "SECRET_KEY": "x" * 50}
    result = _settings_import({**env, "FAIRSPEED_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr


def test_development_with_debug_off_needs_no_configuration(tmp_path: Path) -> None:
    assert _settings_import({"FAIRSPEED_VAR_DIR": str(tmp_path)}).returncode == 0
    assert (tmp_path / "secret_key").exists()


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
