"""The directory's version token, bumped by the database itself.

Every process that caches a view of the directory (the facet index, text matches) compares
the token in ``providers_directoryversion`` with the one it built at. A statement-level
trigger on every buyer-visible table of ``providers`` and ``lifecycle`` changes the token in
the same transaction as the change, so a write through the admin, a queryset ``update()``,
raw SQL or another program all refresh what buyers see, with no signal to forget.

The triggers are (re)installed after every ``migrate`` (``post_migrate``), so a table added
by a later migration is covered without a migration of its own. Tables that buyers never
see opt out with ``buyer_visible = False`` on their model (history tables are skipped).
"""

from django.apps import apps
from django.db import connections

# An upsert: a database emptied table by table (a test flush, a restore) gets its row back
# with the next write.
BUMP_SQL = (
    "INSERT INTO providers_directoryversion (id, token, changed_at)"
    " VALUES (1, md5(random()::text || clock_timestamp()::text), now())"
    " ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at"
)
FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION directory_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {BUMP_SQL};
    RETURN NULL;
END
$$
"""
TRIGGER = "directory_version_bump"
VERSION_TABLE = "providers_directoryversion"


def buyer_visible_tables() -> list[str]:
    """Tables whose rows can change what a buyer sees."""
    tables = set()
    for label in ("lifecycle", "providers"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or meta.db_table == VERSION_TABLE:
                continue
            if getattr(model, "buyer_visible", True) is False:
                continue
            if "history_id" in {field.attname for field in meta.concrete_fields}:
                continue  # django-simple-history's tables and their link snapshots
            tables.add(meta.db_table)
    return sorted(tables)


def install_triggers(using: str = "default") -> list[str]:
    """Create the bump function and a statement trigger on each buyer-visible table."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [table for table in buyer_visible_tables() if table in existing]
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in installed_tables(using) - set(tables):  # no longer buyer-visible
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {TRIGGER} ON {connection.ops.quote_name(table)}"
            )
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE"
                f" OR TRUNCATE ON {quoted} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
            )
    return tables


def installed_tables(using: str = "default") -> set[str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name = %s",
            [TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


def after_migrate(sender, using: str = "default", plan=None, **kwargs) -> None:
    if (
        sender.label == "providers"
        and VERSION_TABLE in connections[using].introspection.table_names()
    ):
        install_triggers(using)
