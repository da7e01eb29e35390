"""``manage.py ruleset``: adopt a preset, revise it from a TOML file of changes, list."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from policy.models import RuleSetVersion

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("ruleset", *args, stdout=out)
    return out.getvalue()


def test_a_city_adopts_a_preset_and_revises_its_fines_from_a_file(tmp_path: Path) -> None:
    run("adopt", "philadelphia", "--effective-from", "2026-01-01")
    changes = tmp_path / "fines.toml"
    changes.write_text(
        '[[fines]]\nmin_over = 11\namount = 75\nsource = "council order 12"\n'
        "[warnings]\nprogram_start_days = 30\n"
    )
    later = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    run("revise", "philadelphia", "--changes", str(changes), "--version", "2027.1",
        "--effective-from", later, "--reason", "flat fine")  # fmt: skip
    new = RuleSetVersion.objects.get(version="2027.1")
    assert [f["amount"] for f in new.data["fines"]] == [75]
    assert new.data["warnings"]["program_start_days"] == 30
    assert new.data["warnings"]["source"].startswith("Roosevelt")  # tables merge
    assert "2027.1" in run("list")


def test_a_revision_file_that_breaks_the_schema_is_refused(tmp_path: Path) -> None:
    run("adopt", "nyc", "--effective-from", "2026-01-01")
    changes = tmp_path / "bad.toml"
    changes.write_text('[[fines]]\nmin_over = 11\namount = "lots"\nsource = "x"\n')
    later = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match=r"\$\.fines\[0\]\.amount"):
        run("revise", "nyc", "--changes", str(changes), "--version", "2", "--effective-from",
            later, "--reason", "r")  # fmt: skip


def test_a_bad_date_is_named() -> None:
    with pytest.raises(CommandError, match="--effective-from: 'soon' is not a date"):
        run("adopt", "nyc", "--effective-from", "soon")
