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
            drop_change_log(connection, [table])
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE"
                f" OR TRUNCATE ON {quoted} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
            )
    if CHANGE_TABLE in existing:
        install_change_log(connection, tables)
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


# --- The change log: which providers changed, for indexes that patch themselves ---------
#
# Beside the token, statement triggers with transition tables record the ids of the
# providers a statement touched (through its services, sites, links, evidence) in
# ``providers_directorychange``, with a sequence number and the writing transaction's id.
# A worker reads the entries after the last it applied (and those of transactions that
# were still running then) and patches just those providers into its index
# (``providers.directory.index.update_index``). A statement on a table that names no
# provider (the catalogue, the lifecycle) or a TRUNCATE records NULL: everything changed.
# Entries older than two days are pruned now and then by the writers themselves; an index
# is built anew every day, so none ever needs them.

CHANGE_TABLE = "providers_directorychange"
CHANGE_PREFIX = "directory_change"
PRUNE_SQL = f"""
    IF random() < 0.01 THEN
        DELETE FROM {CHANGE_TABLE} WHERE seq IN (
            SELECT seq FROM {CHANGE_TABLE} WHERE changed_at < now() - interval '2 days'
            ORDER BY changed_at LIMIT 10000 FOR UPDATE SKIP LOCKED);
    END IF;
"""


def changed_providers_sql(table: str, columns: set[str], rows: str) -> str | None:
    """A query for the ids of the providers that rows of ``table`` (in the transition table
    ``rows``) belong to; None when the table names no provider."""
    if table == "providers_provider":
        return f"SELECT id FROM {rows}"
    if "owner_id" in columns:  # evidence: the record whose claim it backs
        return f"SELECT owner_id FROM {rows}"
    if "provider_id" in columns:
        return f"SELECT provider_id FROM {rows}"
    if "service_id" in columns:
        return (
            f"SELECT s.provider_id FROM {rows} AS r"
            " JOIN providers_service AS s ON s.id = r.service_id"
        )
    if "site_id" in columns:
        return f"SELECT s.provider_id FROM {rows} AS r JOIN providers_site AS s ON s.id = r.site_id"
    return None


def change_function_sql(table: str, columns: set[str]) -> str:
    insert = f"INSERT INTO {CHANGE_TABLE} (provider_id)"
    new = changed_providers_sql(table, columns, "new_rows")
    old = changed_providers_sql(table, columns, "old_rows")
    if new is None:
        body = f"{insert} VALUES (NULL);"
    else:
        distinct = f"{insert} SELECT DISTINCT pid FROM ({{}}) AS c(pid) WHERE pid IS NOT NULL;"
        body = f"""
    IF TG_OP = 'INSERT' THEN
        {distinct.format(new)}
    ELSIF TG_OP = 'UPDATE' THEN
        {distinct.format(f"{old} UNION {new}")}
    ELSIF TG_OP = 'DELETE' THEN
        {distinct.format(old)}
    ELSE
        {insert} VALUES (NULL);
    END IF;"""
    return f"""
CREATE OR REPLACE FUNCTION {CHANGE_PREFIX}_{table}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {body}
    {PRUNE_SQL}
    RETURN NULL;
END
$$
"""


def install_change_log(connection, tables: list[str]) -> None:
    """The change-log triggers on ``tables`` (one per event: transition tables need it)."""
    with connection.cursor() as cursor:
        for table in tables:
            columns = {
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            }
            quoted = connection.ops.quote_name(table)
            function = f"{CHANGE_PREFIX}_{table}"
            cursor.execute(change_function_sql(table, columns))
            for event, referencing in (
                ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
                ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
                ("TRUNCATE", ""),
            ):
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {CHANGE_PREFIX}_{event.lower()} AFTER {event}"
                    f" ON {quoted} {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )


def drop_change_log(connection, tables) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            for event in ("insert", "update", "delete", "truncate"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {CHANGE_PREFIX}_{event} ON {quoted}")
