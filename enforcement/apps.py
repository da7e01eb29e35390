from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions are created per app after migrate; make sure all exist before the
    # role groups reference them, whatever order the apps' post_migrate runs in.
    from django.contrib.auth.management import create_permissions

    from enforcement.roles import roles_sync

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=kwargs.get("using", "default"))
    roles_sync()


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "Enforcement workflow"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="fairspeed-roles")
        from enforcement.auth_audit import connect

        connect()
