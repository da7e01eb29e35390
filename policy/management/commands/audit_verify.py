from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from policy.audit_chain import audit_verify


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and compare it with the signed checkpoints; "
        "exits non-zero naming the first broken link, removed tail or rewritten span."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.ok:
            where = f" at event #{report.broken_at}" if report.broken_at else ""
            raise CommandError(
                f"audit chain broken{where}: {report.problem} "
                f"({report.checked} events verified before it)"
            )
        self.stdout.write(
            f"audit chain intact: {report.checked} events verified, "
            f"{report.checkpoints} signed checkpoints match"
        )
