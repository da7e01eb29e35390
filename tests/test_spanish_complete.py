"""Spanish is complete: every string a page, form, status or message can show has a
Spanish entry. The check runs Django's own makemessages on a copy of the code and
reads the resulting catalogue, so a template string added without a translation fails
here rather than reaching a Spanish reader in English."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import models
from django.utils import translation

REPO = Path(__file__).resolve().parents[1]
APPS = ("config", "policy", "cameras", "enforcement")
PO = Path("enforcement/locale/es/LC_MESSAGES/django.po")


def _copy_code(dest: Path) -> Path:
    shutil.copy(REPO / "manage.py", dest / "manage.py")
    for app in APPS:
        shutil.copytree(
            REPO / app,
            dest / app,
            ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "*.pyc"),
        )
    return dest


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry; plural forms joined."""
    entries = []
    for block in po_text.split("\n\n"):
        fields: dict[str, list[str]] = {}
        key = ""
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("msg"):
                key, _, rest = line.partition(" ")
                fields.setdefault(key.split("[")[0], []).append(rest[1:-1])
            elif line.startswith('"') and key:
                fields[key.split("[")[0]][-1] += line[1:-1]
        msgid = "".join(fields.get("msgid", []))
        if msgid:
            entries.append((msgid, "".join(fields.get("msgstr", [])), fuzzy))
    return entries


def untranslated_after_makemessages(root: Path, tmp: Path) -> list[str]:
    env = {**os.environ, "FAIRSPEED_VAR_DIR": str(tmp / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-wrap", "-v0"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    po = (root / PO).read_text(encoding="utf-8")
    return [msgid for msgid, msgstr, fuzzy in _entries(po) if fuzzy or not msgstr]


@pytest.mark.slow
def test_every_string_in_code_and_templates_has_a_spanish_entry(tmp_path: Path) -> None:
    missing = untranslated_after_makemessages(_copy_code(tmp_path), tmp_path)
    assert missing == [], f"{len(missing)} strings have no Spanish entry: {missing[:20]}"


@pytest.mark.slow
def test_a_new_template_string_without_spanish_fails_the_check(tmp_path: Path) -> None:
    root = _copy_code(tmp_path)
    page = root / "enforcement/templates/enforcement/new_page.html"
    page.write_text('{% load i18n %}<p>{% translate "A sentence nobody translated" %}</p>')
    assert untranslated_after_makemessages(root, tmp_path) == ["A sentence nobody translated"]


def _text_choices() -> list[type[models.TextChoices]]:
    found: list[type[models.TextChoices]] = []
    stack = list(models.TextChoices.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS:
            found.append(cls)
    return found


def test_every_status_label_has_a_spanish_entry() -> None:
    catalog = translation.trans_real.translation("es")._catalog  # type: ignore[attr-defined]
    choices = _text_choices()
    assert choices, "no TextChoices found: the check would pass vacuously"
    missing = [
        f"{cls.__qualname__}.{member.name}"
        for cls in choices
        for member in cls
        if str(member.label.__class__) and member.label not in catalog
    ]
    assert missing == []


def test_language_names_are_written_in_their_own_language(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "es"
    page = client.get("/").content.decode()
    assert ">English</option>" in page
    assert ">Español</option>" in page
    assert "Inglés" not in page
