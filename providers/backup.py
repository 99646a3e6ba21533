"""Backup and restore of the whole directory database with PostgreSQL's own tools.

A backup is one ``pg_dump`` file in the custom format: schema and data of every table
(providers, catalogue, history, accounts, sessions), taken from one consistent snapshot
while the app keeps serving. A restore loads it with ``pg_restore`` in a single
transaction, so a failed restore leaves the target as it was.
"""

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with a sentence saying why."""


def program(name: str) -> str:
    """The newest installed ``pg_dump`` / ``pg_restore`` (it must not be older than the server)."""
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    found = versions[-1] if versions else shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client programs "
            "(for example 'apt-get install postgresql-client')."
        )
    return found


def settings_from_url(url: str) -> dict[str, Any]:
    try:
        parsed = dj_database_url.parse(url)
    except ValueError as error:
        raise BackupError(f"The database URL cannot be read: {error}") from error
    if parsed.get("ENGINE") != "django.db.backends.postgresql" or not parsed.get("NAME"):
        raise BackupError("The database URL must name a PostgreSQL database: postgresql://.../name")
    return parsed


# Connection keywords that libpq (and so pg_dump and pg_restore) understands in OPTIONS.
LIBPQ_OPTIONS = {
    "host", "hostaddr", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl",
    "connect_timeout", "application_name", "options", "passfile", "service",
    "target_session_attrs", "gssencmode", "channel_binding", "keepalives",
}  # fmt: skip


def conninfo(database: dict[str, Any], name: str | None = None, password: bool = True) -> str:
    """A libpq connection string for a Django database settings dict.

    Without ``password`` the password is left out: programs get it through PGPASSWORD, so
    it never shows on a command line.
    """
    params: dict[str, Any] = {"connect_timeout": 10}
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS and value not in (None, ""):
            params[key] = value
    for key, setting in [("host", "HOST"), ("port", "PORT"), ("user", "USER")]:
        if database.get(setting):
            params[key] = database[setting]
    if password and database.get("PASSWORD"):
        params["password"] = database["PASSWORD"]
    params["dbname"] = name or database["NAME"]
    return make_conninfo(**{k: str(v) for k, v in params.items()})


def client_environment(database: dict[str, Any]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} failed: {detail[-1] if detail else 'no message'}")
    return result.stdout


def table_counts(database: dict[str, Any]) -> dict[str, int]:
    """Rows in every table of the public schema, by table name."""
    with psycopg.connect(conninfo(database)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


def backup(database: dict[str, Any], target: Path, overwrite: bool = False) -> None:
    """Write a custom-format dump of ``database`` to ``target`` (complete, or not at all)."""
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already: choose a new file name or overwrite it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    try:
        run(
            [
                program("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                f"--dbname={conninfo(database, password=False)}",
            ],
            client_environment(database),
        )
        entries_in(partial)  # refuse to keep a file pg_restore cannot read
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def entries_in(dump: Path) -> int:
    """How many objects a backup holds; BackupError when it is not a readable backup."""
    if not dump.is_file():
        raise BackupError(f"There is no backup file at {dump}.")
    try:
        listing = run([program("pg_restore"), "--list", str(dump)], dict(os.environ))
    except BackupError as error:
        raise BackupError(
            f"{dump} is not a backup this project can restore (a pg_dump custom-format "
            f"file): {error}"
        ) from error
    return sum(1 for line in listing.splitlines() if line and not line.startswith(";"))


def database_is_empty(database: dict[str, Any]) -> bool:
    with psycopg.connect(conninfo(database)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        ).fetchone()
    return row[0] == 0


def create_database_if_missing(database: dict[str, Any]) -> bool:
    """Create the target database when the server does not have it; True when created."""
    try:
        with psycopg.connect(conninfo(database, "postgres"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
            ).fetchone()
            if exists:
                return False
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"]))
            )
            return True
    except psycopg.OperationalError as error:
        raise BackupError(f"The target database server cannot be reached: {error}") from error


def restore(dump: Path, database: dict[str, Any], replace: bool = False) -> None:
    """Load ``dump`` into ``database``, which must be empty unless ``replace`` is set."""
    entries_in(dump)
    create_database_if_missing(database)
    if not database_is_empty(database):
        if not replace:
            raise BackupError(
                f"The database {database['NAME']} is not empty: restore into a new database, "
                "or replace its contents on purpose (--replace)."
            )
        with psycopg.connect(conninfo(database)) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")
    run(
        [
            program("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo(database, password=False)}",
            str(dump),
        ],
        client_environment(database),
    )
