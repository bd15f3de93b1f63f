"""Campaign moved from scoring to campaigns (same table): the foreign key now points at campaigns.Campaign, in the
state only."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0001_initial'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='exportjob',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='export_jobs', to='campaigns.campaign', verbose_name='定级工作'),
            ),
        ], database_operations=[]),
    ]
