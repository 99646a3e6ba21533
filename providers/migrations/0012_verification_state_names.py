"""The verification date and curator become the date and curator of the record's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("providers", "0011_curators_regulator_records")]

    operations = [
        migrations.RenameField("provider", "last_verified_on", "state_on"),
        migrations.RenameField("provider", "verified_by", "checked_by"),
        migrations.RenameField("historicalprovider", "last_verified_on", "state_on"),
        migrations.RenameField("historicalprovider", "verified_by", "checked_by"),
    ]
