from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policy.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = "Sign the audit chain's head and append the checkpoint to the checkpoint file."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_write()
        if checkpoint is None:
            self.stdout.write("the audit log is empty: nothing to sign")
            return
        self.stdout.write(
            f"checkpoint: {checkpoint.count} events up to #{checkpoint.last_id} "
            f"({checkpoint.head[:12]}…) signed at {checkpoint.at}"
        )
