"""Campaigns, rubrics and scales moved to `campaigns`; 公示 and objections to `publicity`; 整改 and stars to
`rectification` — with their tables. This migration drops them from scoring's state (nothing in the database
changes but labels) and relabels their content types and the audit entries that name them."""
import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "campaigns": ["gradescale", "gradeband", "rubricversion", "indicator", "criterion", "campaign", "campaignsector",
                  "phasedate"],
    "publicity": ["publicity", "publishedresult", "objection"],
    "rectification": ["rectificationplan", "rectificationitem", "rectificationprogress", "starrating"],
}

# The audit log refuses UPDATE (audit/0002). Renaming the labels it stores is the one rewrite it ever gets: the
# trigger is lifted for these statements inside this migration's transaction, and put back before it ends.
PG_LIFT = "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_no_update"
PG_RESTORE = "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_no_update"
SQLITE_LIFT = "DROP TRIGGER IF EXISTS audit_auditentry_no_update"
SQLITE_RESTORE = ("CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry "
                  "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;")


def _relabel(apps, schema_editor, moves):
    """moves: [(old app label, new app label, model)]. Content types keep their ids (so permissions and admin log
    entries follow); audit entries' object_type "old.model" becomes "new.model"."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old, new, model in moves:
        ContentType.objects.filter(app_label=new, model=model).delete()  # one made by an earlier post_migrate
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    vendor = schema_editor.connection.vendor
    lift, restore = (PG_LIFT, PG_RESTORE) if vendor == "postgresql" else (SQLITE_LIFT, SQLITE_RESTORE)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(lift)
        for old, new, model in moves:
            cursor.execute("UPDATE audit_auditentry SET object_type = %s WHERE object_type = %s",
                           [f"{new}.{model}", f"{old}.{model}"])
        cursor.execute(restore)


def forward(apps, schema_editor):
    _relabel(apps, schema_editor, [("scoring", new, m) for new, models in MOVED.items() for m in models])


def backward(apps, schema_editor):
    _relabel(apps, schema_editor, [(new, "scoring", m) for new, models in MOVED.items() for m in models])


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_fewer_indexes'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('publicity', '0001_initial'),
        ('rectification', '0001_initial'),
        ('campaigns', '0001_initial'),
        ('reports', '0002_campaign_moved'),
        ('scoring', '0002_seed_scales_and_rubrics'),
        ('surveys', '0004_campaign_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='campaign',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='campaign',
                name='previous',
            ),
            migrations.RemoveField(
                model_name='campaign',
                name='root',
            ),
            migrations.RemoveField(
                model_name='campaignsector',
                name='campaign',
            ),
            migrations.AlterField(
                model_name='grade',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grades', to='campaigns.campaign'),
            ),
            migrations.RemoveField(
                model_name='objection',
                name='campaign',
            ),
            migrations.AlterField(
                model_name='scoresheet',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sheets', to='campaigns.campaign'),
            ),
            migrations.RemoveField(
                model_name='starrating',
                name='campaign',
            ),
            migrations.AlterField(
                model_name='investigation',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='investigations', to='campaigns.campaign'),
            ),
            migrations.RemoveField(
                model_name='publicity',
                name='campaign',
            ),
            migrations.RemoveField(
                model_name='rectificationplan',
                name='campaign',
            ),
            migrations.AlterField(
                model_name='offlinevotes',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offline_votes', to='campaigns.campaign'),
            ),
            migrations.RemoveField(
                model_name='campaignsector',
                name='rubric',
            ),
            migrations.RemoveField(
                model_name='campaignsector',
                name='scale',
            ),
            migrations.RemoveField(
                model_name='campaignsector',
                name='sector',
            ),
            migrations.RemoveField(
                model_name='criterion',
                name='indicator',
            ),
            migrations.AlterField(
                model_name='sheetscore',
                name='criterion',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.criterion'),
            ),
            migrations.RemoveField(
                model_name='gradeband',
                name='scale',
            ),
            migrations.RemoveField(
                model_name='indicator',
                name='rubric',
            ),
            migrations.AlterField(
                model_name='sheetscore',
                name='indicator',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.indicator'),
            ),
            migrations.AlterField(
                model_name='sheetnote',
                name='indicator',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.indicator'),
            ),
            migrations.RemoveField(
                model_name='objection',
                name='answered_by',
            ),
            migrations.RemoveField(
                model_name='objection',
                name='org',
            ),
            migrations.RemoveField(
                model_name='publicity',
                name='finalised_by',
            ),
            migrations.RemoveField(
                model_name='publicity',
                name='published_by',
            ),
            migrations.RemoveField(
                model_name='publishedresult',
                name='publicity',
            ),
            migrations.RemoveField(
                model_name='publishedresult',
                name='org',
            ),
            migrations.RemoveField(
                model_name='rectificationitem',
                name='plan',
            ),
            migrations.RemoveField(
                model_name='rectificationitem',
                name='reviewed_by',
            ),
            migrations.RemoveField(
                model_name='rectificationprogress',
                name='item',
            ),
            migrations.RemoveField(
                model_name='rectificationplan',
                name='org',
            ),
            migrations.RemoveField(
                model_name='rectificationplan',
                name='submitted_by',
            ),
            migrations.RemoveField(
                model_name='rectificationprogress',
                name='reported_by',
            ),
            migrations.RemoveField(
                model_name='rubricversion',
                name='based_on',
            ),
            migrations.RemoveField(
                model_name='rubricversion',
                name='sector',
            ),
            migrations.RemoveField(
                model_name='starrating',
                name='changed_by',
            ),
            migrations.RemoveField(
                model_name='starrating',
                name='org',
            ),
            migrations.DeleteModel(
                name='PhaseDate',
            ),
            migrations.DeleteModel(
                name='Campaign',
            ),
            migrations.DeleteModel(
                name='CampaignSector',
            ),
            migrations.DeleteModel(
                name='Criterion',
            ),
            migrations.DeleteModel(
                name='GradeBand',
            ),
            migrations.DeleteModel(
                name='GradeScale',
            ),
            migrations.DeleteModel(
                name='Indicator',
            ),
            migrations.DeleteModel(
                name='Objection',
            ),
            migrations.DeleteModel(
                name='Publicity',
            ),
            migrations.DeleteModel(
                name='PublishedResult',
            ),
            migrations.DeleteModel(
                name='RectificationItem',
            ),
            migrations.DeleteModel(
                name='RectificationPlan',
            ),
            migrations.DeleteModel(
                name='RectificationProgress',
            ),
            migrations.DeleteModel(
                name='RubricVersion',
            ),
            migrations.DeleteModel(
                name='StarRating',
            ),
        ], database_operations=[]),
        migrations.RunPython(forward, backward),
    ]
