"""Campaign moved from scoring to campaigns (same table): the foreign keys now point at campaigns.Campaign, in the
state only."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0001_initial'),
        ('surveys', '0003_guess_block'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='paperentry',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='paper_entries', to='campaigns.campaign'),
            ),
            migrations.AlterField(
                model_name='surveyresponse',
                name='campaign',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='survey_responses', to='campaigns.campaign'),
            ),
            migrations.AlterField(
                model_name='surveytoken',
                name='campaign',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='survey_tokens', to='campaigns.campaign'),
            ),
        ], database_operations=[]),
    ]
