"""``manage.py ruleset list | adopt CODE --effective-from DATE | revise CODE --changes
FILE.toml --version V --effective-from DATE --reason TEXT``: a city's rule-set versions.

``--changes`` is a TOML file holding only what changes (tables merge key by key, lists
replace), e.g. a new ``[[fines]]`` schedule. Old versions never change."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.models import RuleSetVersion
from policy.rules.book import ruleset_codes
from policy.rules.schema import RuleSetError
from policy.services.rulesets import ruleset_adopt, ruleset_revise


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--effective-from: {value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "List, adopt and revise a city's jurisdiction rule-set versions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        adopt = sub.add_parser("adopt")
        adopt.add_argument("code", choices=ruleset_codes())
        adopt.add_argument("--effective-from", required=True)
        revise = sub.add_parser("revise")
        revise.add_argument("code", choices=ruleset_codes())
        revise.add_argument("--changes", required=True)
        revise.add_argument("--version", dest="label", required=True)
        revise.add_argument("--effective-from", required=True)
        revise.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "list":
                for row in RuleSetVersion.objects.order_by("code", "effective_from"):
                    self.stdout.write(
                        f"{row.code}\t{row.version}\t{row.effective_from}\t{row.origin}\t"
                        f"{row.digest[:12]}\t{row.note}"
                    )
            elif options["action"] == "adopt":
                row = ruleset_adopt(
                    options["code"], effective_from=_date(options["effective_from"]), actor=None
                )
                self.stdout.write(f"adopted {row}")
            else:
                path = Path(options["changes"])
                try:
                    changes = tomllib.loads(path.read_text(encoding="utf-8"))
                except (OSError, tomllib.TOMLDecodeError) as exc:
                    raise CommandError(f"--changes {path}: {exc}") from None
                row = ruleset_revise(
                    options["code"],
                    changes=changes,
                    version=options["label"],
                    effective_from=_date(options["effective_from"]),
                    actor=None,
                    note=options["reason"],
                )
                self.stdout.write(f"revised: {row}")
        except RuleSetError as exc:
            raise CommandError(str(exc)) from None
