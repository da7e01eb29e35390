"""Replay open dead letters (all of them, or one by --id) after the cause is fixed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from enforcement.models import DeadLetter
from enforcement.services_dead_letters import DeadLetterError, dead_letter_replay, dead_letters_open


class Command(BaseCommand):
    help = "Replay open dead letters through record_violation; prints one JSON line each."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--id", type=int, help="replay only this dead letter")
        parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["id"] is not None:
            letter = DeadLetter.objects.filter(pk=opts["id"]).first()
            if letter is None:
                raise CommandError(f"no dead letter {opts['id']}")
            letters = [letter]
        else:
            letters = dead_letters_open()
        failed = 0
        for letter in letters:
            try:
                result = dead_letter_replay(letter, actor=None, reason=opts["reason"])
            except DeadLetterError as exc:
                raise CommandError(str(exc)) from None
            failed += result.violation is None
            self.stdout.write(json.dumps({
                "id": letter.pk, "event_id": letter.event_id,
                "replayed": result.violation is not None,
                "violation": str(result.violation.event_id) if result.violation else None,
                "error": result.error or None,
            }))  # fmt: skip
        self.stderr.write(f"{len(letters) - failed} replayed, {failed} still failing")
        if failed:
            raise CommandError(f"{failed} dead letter(s) still fail")
