"""A partial index over the change log's catalogue rows (``provider_id IS NULL``).

``index.current_catalogue()`` asks, on every API record, whether a catalogue row was
logged after the installed index's watermark (``seq > last OR xid = ANY(pending)``). The
OR over two columns cannot use the seq or xid indexes, so PostgreSQL scanned the whole log:
170 to 230 ms at 1.1 million rows (100,000 providers). Catalogue rows are few; over them
the same test is an index-only scan of a page or two (0.05 ms). Built concurrently: the log
is written by triggers on every buyer-visible change.
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("providers", "0019_refresh_derived")]

    operations = [
        migrations.RunSQL(
            """
            CREATE INDEX CONCURRENTLY IF NOT EXISTS providers_directorychange_catalogue
                ON providers_directorychange (seq) INCLUDE (xid)
                WHERE provider_id IS NULL
            """,
            "DROP INDEX CONCURRENTLY IF EXISTS providers_directorychange_catalogue",
        ),
    ]
