"""Recompute every provider's derived columns once the tables they read all exist.

Migrations earlier in this round change what the derived columns summarise (tracks and
synonyms in the search text, and the tables that later migrations add); the live
refresh SQL reads all of them, so it runs here, last, and nowhere before.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from providers.derived import REFRESH_SQL

    if apps.get_model("providers", "Provider").objects.exists():
        schema_editor.execute(REFRESH_SQL)


class Migration(migrations.Migration):
    dependencies = [("providers", "0018_directory_change_log")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
