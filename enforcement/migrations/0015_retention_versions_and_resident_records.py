"""Retention by the rule-set version that judged each case, and purges of residents'
uploads, payment references and a closed case's administrative details.

The version is backfilled from each violation's ``violation.recorded`` audit event (its
stored judgement names the version); a violation without one keeps an empty version and
is served by the version in force. Deletion-log rows of violations get their case id.
The evidence folder is indexed: retention asks, per closed case, whether an open case
still uses its folder.
"""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Violation = apps.get_model("enforcement", "Violation")
    AuditEvent = apps.get_model("policy", "AuditEvent")
    DeletionRecord = apps.get_model("enforcement", "DeletionRecord")
    events = (
        AuditEvent.objects.filter(
            action="violation.recorded", object_type="enforcement.violation"
        )
        .values_list("object_id", "details")
        .iterator(chunk_size=2000)
    )
    for object_id, details in events:
        judgement = (details or {}).get("judgement") or {}
        version = judgement.get("version") if isinstance(judgement, dict) else None
        if version and str(object_id).isdigit():
            Violation.objects.filter(pk=int(object_id), ruleset_version="").update(
                ruleset_version=str(version)[:40]
            )
    for row in DeletionRecord.objects.filter(object_type="enforcement.violation").only(
        "pk", "object_id"
    ):
        if row.object_id.isdigit():
            DeletionRecord.objects.filter(pk=row.pk).update(case_id=int(row.object_id))


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0014_portal_nomination_unanswered"),
        ("policy", "0005_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="violation",
            name="ruleset_version",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="violation",
            name="admin_purged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="violation",
            name="payments_purged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="deletionrecord",
            name="case_id",
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddIndex(
            model_name="violation",
            index=models.Index(fields=["evidence_dir"], name="violation_evidence_dir_idx"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
