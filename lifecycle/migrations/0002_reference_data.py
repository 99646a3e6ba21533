from django.db import migrations


def load(apps, schema_editor):
    from lifecycle.reference import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
