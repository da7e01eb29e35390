from __future__ import annotations

import json
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import CommandError, call_command

from enforcement.cases import transitions as t
from enforcement.tasks import notices_sweep_task

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User

    from enforcement.models import Violation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _notice_storage(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "notices": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "notices"), "base_url": None},
        },
    }


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("mailing", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_mail_house_prints_a_batch_and_records_it_mailed(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case(plate="XYZ789")
    t.violation_review(v.pk, people["reviewer"], plate="XYZ789")
    t.violation_approve(v.pk, people["approver"])
    t.violation_vehicle_confirm(v.pk, people["approver"])
    name = people["approver"].username
    printed = run("print", "--user", name, "--mail-on", "2027-03-01")
    assert printed["notices"] == 1 and printed["pdf"].endswith("notices.pdf")
    assert run("print", "--user", name) == {"batch": None, "notices": 0}
    assert run("mailed", str(printed["batch"]), "--user", name, "--on", "2027-03-01")["mailed"] == 1
    with pytest.raises(CommandError, match="already recorded"):
        run("mailed", str(printed["batch"]), "--user", name, "--on", "2027-03-01")


def test_a_reviewer_or_a_bad_date_is_refused(people: dict[str, User]) -> None:
    with pytest.raises(CommandError, match="approver role"):
        run("print", "--user", people["reviewer"].username)
    with pytest.raises(CommandError, match="not a date"):
        run("print", "--user", people["approver"].username, "--mail-on", "tomorrow")
    with pytest.raises(CommandError, match="no user"):
        run("print", "--user", "nobody")


def test_the_beat_task_runs_the_sweep_and_reports_counts(db: None) -> None:
    assert notices_sweep_task.run() == {
        "emailed": 0,
        "defaulted": 0,
        "closed": 0,
        "nominations_unanswered": 0,
    }
