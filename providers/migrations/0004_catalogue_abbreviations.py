"""Catalogue names carry the abbreviations buyers type (mAb, ADC, HPAPI, LNP, QP).

Names are part of every provider's search text; the derived columns are recomputed by
0007 (the search text now also reads columns that do not exist yet at this point).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from providers.reference import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_curators_group")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
