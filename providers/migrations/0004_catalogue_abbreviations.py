"""Catalogue names carry the abbreviations buyers type (mAb, ADC, HPAPI, LNP, QP).

Names are part of every provider's search text, so the derived columns are recomputed.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from providers.derived import REFRESH_SQL
    from providers.reference import sync
    from providers.versioning import BUMP_SQL

    sync(apps)
    schema_editor.execute(REFRESH_SQL)
    schema_editor.execute(BUMP_SQL)


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_curators_group")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
