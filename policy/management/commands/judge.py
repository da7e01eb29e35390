"""``manage.py judge --ruleset CODE [FACTS.jsonl | -]``: one decision per line of facts.

Reads only the repository's rule-set files (or a TOML file named by path), never the
database. Every line is checked before any decision is printed, so a bad line refuses
the whole input with its line number and field.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.rules.book import RuleBook, rulebook_preset
from policy.rules.judge import Facts, FactsError, decision_encode, facts_decode, judge
from policy.rules.schema import RuleSetError, ruleset_decode_toml


class Command(BaseCommand):
    help = "Judge violation facts (JSON lines) by a jurisdiction's rule set; no database."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ruleset", required=True, help="a preset code (ca-ab645, nyc, ...) or a .toml file"
        )
        parser.add_argument("facts", nargs="?", default="-", help="JSON-lines file, or - (stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        book = _book(options["ruleset"])
        source = options["facts"]
        if source == "-":
            facts = _read(sys.stdin.buffer, "stdin")
        else:
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"no facts file {source}")
            with path.open("rb") as handle:
                facts = _read(handle, path.name)
        for item in facts:
            self.stdout.write(decision_encode(judge(item, book)).decode())


def _book(value: str) -> RuleBook:
    try:
        if value.endswith(".toml"):
            path = Path(value)
            if not path.is_file():
                raise CommandError(f"no rule-set file {value}")
            return RuleBook([ruleset_decode_toml(path.read_bytes(), origin=path.name)])
        return rulebook_preset(value)
    except RuleSetError as exc:
        raise CommandError(str(exc)) from None


def _read(handle: BinaryIO, name: str) -> list[Facts]:
    facts: list[Facts] = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            facts.append(facts_decode(line))
        except FactsError as exc:
            raise CommandError(f"{name} line {number}: {exc}") from None
    return facts
