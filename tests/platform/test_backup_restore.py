"""Backup and restore drill: a backup of a database holding providers, restored into a
fresh database, gives the same tables, the same row counts and the same records."""

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from providers import backup
from providers.models import Provider, Service, Site

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    from tests.factories import ensure_reference_data

    ensure_reference_data()


@pytest.fixture
def fresh_database():
    """The settings of a database on the test server that does not exist yet; dropped after."""
    source = connection.settings_dict
    target = {**source, "NAME": f"{source['NAME']}_restore_{uuid.uuid4().hex[:8]}"}
    yield target
    with psycopg.connect(backup.conninfo(source, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(target["NAME"])
            )
        )


def database_url(settings_dict) -> str:
    host = settings_dict.get("HOST") or (settings_dict.get("OPTIONS") or {}).get("host", "")
    user = settings_dict.get("USER") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    if host.startswith("/"):
        return f"postgresql://{user}@{port}/{settings_dict['NAME']}?host={host}"
    return f"postgresql://{user}@{host}{port}/{settings_dict['NAME']}"


def sample(settings_dict, table: str, limit: int = 25) -> list[str]:
    """Up to ``limit`` whole records of a table, as JSON text, in a fixed order."""
    with psycopg.connect(backup.conninfo(settings_dict)) as conn:
        query = sql.SQL(
            "SELECT row_to_json(t)::text AS record FROM {} t ORDER BY record LIMIT %s"
        ).format(sql.Identifier(table))
        return [row[0] for row in conn.execute(query, [limit])]


def test_restore_drill_gives_back_every_table_count_and_record(
    directory, tmp_path, fresh_database, capsys
):
    source = connection.settings_dict
    dump = tmp_path / "directory.dump"
    call_command("backup_directory", str(dump))
    assert "7 providers" in capsys.readouterr().out

    call_command("restore_directory", str(dump), database_url=database_url(fresh_database))
    assert "7 providers" in capsys.readouterr().out

    before, after = backup.table_counts(source), backup.table_counts(fresh_database)
    assert after == before
    assert before["providers_provider"] == Provider.objects.count() == 7
    assert before["providers_service"] == Service.objects.count() > 0
    assert before["providers_site"] == Site.objects.count() > 0
    assert before["lifecycle_phase"] > 0
    for table, rows in before.items():
        if rows:
            assert sample(fresh_database, table) == sample(source, table), table


def test_restored_database_serves_the_app(directory, tmp_path, fresh_database):
    dump = tmp_path / "directory.dump"
    call_command("backup_directory", str(dump))
    call_command("restore_directory", str(dump), database_url=database_url(fresh_database))
    with psycopg.connect(backup.conninfo(fresh_database)) as conn:
        applied = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
        slugs = {row[0] for row in conn.execute("SELECT slug FROM providers_provider")}
    assert applied > 0
    assert slugs == set(Provider.objects.values_list("slug", flat=True))


def test_restore_refuses_a_database_that_holds_data_unless_told(
    directory, tmp_path, fresh_database
):
    dump = tmp_path / "directory.dump"
    call_command("backup_directory", str(dump))
    url = database_url(fresh_database)
    call_command("restore_directory", str(dump), database_url=url)
    with psycopg.connect(backup.conninfo(fresh_database), autocommit=True) as conn:
        conn.execute("DELETE FROM providers_provider_types")
        conn.execute("UPDATE providers_provider SET summary = 'changed after the backup'")

    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore_directory", str(dump), database_url=url)
    assert sample(fresh_database, "providers_provider_types") == []  # left as it was

    call_command("restore_directory", str(dump), database_url=url, replace=True)
    assert backup.table_counts(fresh_database) == backup.table_counts(connection.settings_dict)
    for table in ("providers_provider", "providers_provider_types"):
        assert sample(fresh_database, table) == sample(connection.settings_dict, table)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, fresh_database):
    bogus = tmp_path / "providers.csv"
    bogus.write_text("slug,name\nacme,Acme\n")
    with pytest.raises(CommandError, match="not a backup this project can restore"):
        call_command("restore_directory", str(bogus), database_url=database_url(fresh_database))
    with pytest.raises(CommandError, match="There is no backup file"):
        call_command(
            "restore_directory", str(tmp_path / "missing.dump"), database_url="postgresql://x/y"
        )


def test_backup_never_overwrites_or_leaves_a_partial_file(directory, tmp_path):
    dump = tmp_path / "directory.dump"
    dump.write_text("an older backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_directory", str(dump))
    assert dump.read_text() == "an older backup"
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup_directory", str(tmp_path / "no-folder" / "x.dump"))
    call_command("backup_directory", str(dump), overwrite=True)
    assert backup.entries_in(dump) > 0
    assert [path.name for path in tmp_path.iterdir()] == ["directory.dump"]


def test_restore_rejects_a_url_that_is_not_postgresql(tmp_path):
    with pytest.raises(CommandError, match="must name a PostgreSQL database"):
        call_command("restore_directory", str(tmp_path / "x.dump"), database_url="sqlite:///x.db")


def test_make_restore_without_a_file_says_what_to_give():
    result = subprocess.run(
        ["make", "-s", "restore"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "make restore FILE=" in result.stderr
