"""The tracks, every phase on its track, and the crop-protection phases."""

from django.db import migrations


def load(apps, schema_editor):
    from lifecycle.reference import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0003_track")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
