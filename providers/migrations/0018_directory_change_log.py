"""The directory's change log: which providers each buyer-visible statement touched (the
triggers that fill it are installed after every migrate, see providers/versioning.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("providers", "0017_evidence_on_identities_inspections")]

    operations = [
        migrations.RunSQL(
            """
            CREATE TABLE providers_directorychange (
                seq bigserial PRIMARY KEY,
                provider_id integer NULL,
                xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                changed_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX providers_directorychange_xid ON providers_directorychange (xid);
            CREATE INDEX providers_directorychange_changed_at
                ON providers_directorychange (changed_at);
            """,
            "DROP TABLE providers_directorychange",
        ),
    ]
