"""Catalogue names carry the abbreviations buyers type (mAb, ADC, HPAPI, LNP, QP).

Names are part of every provider's search text, so the derived columns are recomputed.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from providers.derived import BUMP_SQL, REFRESH_SQL
    from providers.reference import sync

    sync(apps)
    # The refresh SQL is today's, which may read tables of later migrations: on a database
    # without providers there is nothing to refresh (0007 refreshes everything again).
    if apps.get_model("providers", "Provider").objects.exists():
        schema_editor.execute(REFRESH_SQL)
    schema_editor.execute(BUMP_SQL)


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_curators_group")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
