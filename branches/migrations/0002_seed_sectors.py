from django.db import migrations


def forward(apps, schema_editor):
    from branches.seed import seed_sectors

    seed_sectors(apps.get_model("branches", "Sector"))


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
