"""Catalogue names carry the abbreviations buyers type (mAb, ADC, HPAPI, LNP, QP).

Names are part of every provider's search text, so the derived columns must be
recomputed; the live refresh reads tables made by later migrations, so the latest
migration that changes the derived columns (0006) recomputes them instead.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from providers.reference import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_curators_group")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
