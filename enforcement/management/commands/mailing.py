"""Mailing batches for the mail house, as one staff member (who must be an approver).

manage.py mailing print --user NAME [--mail-on YYYY-MM-DD]
manage.py mailing mailed BATCH --user NAME --on YYYY-MM-DD
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.models import User
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enforcement.cases.guards import TransitionError
from enforcement.cases.mailing import mailing_batch_create, mailing_batch_record_mailed


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Print issued notices as a mailing batch, or record a batch as mailed."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        printing = sub.add_parser("print", help="one PDF + CSV manifest of unprinted notices")
        printing.add_argument("--user", required=True)
        printing.add_argument("--mail-on", default="")
        mailed = sub.add_parser("mailed", help="the mail house posted BATCH on --on")
        mailed.add_argument("batch", type=int)
        mailed.add_argument("--user", required=True)
        mailed.add_argument("--on", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = User.objects.get(username=opts["user"])
        except User.DoesNotExist:
            raise CommandError(f"no user {opts['user']!r}") from None
        try:
            if opts["step"] == "print":
                mail_on = _day(opts["mail_on"]) if opts["mail_on"] else timezone.localdate()
                result = mailing_batch_create(user, mail_on)
                if result is None:
                    self.stdout.write(json.dumps({"batch": None, "notices": 0}))
                    return
                storage = storages["notices"]
                self.stdout.write(
                    json.dumps(
                        {
                            "batch": result.batch.pk,
                            "notices": len(result.pins),
                            "pdf": storage.path(result.batch.pdf_name),
                            "manifest": storage.path(result.batch.manifest_name),
                        }
                    )
                )
            else:
                n = mailing_batch_record_mailed(opts["batch"], user, _day(opts["on"]))
                self.stdout.write(json.dumps({"batch": opts["batch"], "mailed": n}))
        except TransitionError as exc:
            raise CommandError(str(exc)) from exc
