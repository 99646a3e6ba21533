from django.db import migrations


def load(apps, schema_editor):
    from providers.reference import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial"), ("lifecycle", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
