"""Seed the grade scales of SPEC §3 and the standard 7-indicator rubric (标准版) for every sector."""
from django.db import migrations


def forward(apps, schema_editor):
    from campaigns.seed import (  # the seed data moved with the models
        seed_default_rubrics,
        seed_scales,
    )

    get = apps.get_model
    seed_scales(get("scoring", "GradeScale"), get("scoring", "GradeBand"))
    seed_default_rubrics(get("branches", "Sector"), get("scoring", "RubricVersion"), get("scoring", "Indicator"),
                         get("scoring", "Criterion"))


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial"), ("branches", "0002_seed_sectors")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
