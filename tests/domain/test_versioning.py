"""The database bumps the directory's version token itself, for any writer."""

import pytest
from django.db import connection

from providers.directory.index import current_token
from providers.models import Provider
from providers.versioning import buyer_visible_tables, installed_tables
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def listed(client) -> list[str]:
    html = client.get("/providers/").content.decode()
    return [slug for slug in ("kept-co", "hidden-co") if f'href="/providers/{slug}/"' in html]


def test_every_buyer_visible_table_has_the_trigger_and_history_tables_do_not():
    tables = buyer_visible_tables()
    assert {"providers_provider", "providers_service", "providers_site", "lifecycle_phase"} <= set(
        tables
    )
    assert "providers_provider_types" in tables  # link tables too
    assert not any("historical" in table for table in tables)
    assert "providers_directoryversion" not in tables
    assert installed_tables() >= set(tables)


def test_a_queryset_update_that_bypasses_signals_still_refreshes_the_directory(client):
    make_provider("Kept Co", slug="kept-co")
    make_provider("Hidden Co", slug="hidden-co")
    assert listed(client) == ["kept-co", "hidden-co"]
    before = current_token()
    Provider.objects.filter(slug="hidden-co").update(status=Provider.Status.WITHDRAWN)
    assert current_token() != before
    assert listed(client) == ["kept-co"]


def test_raw_sql_from_elsewhere_bumps_the_token():
    provider = make_provider("Raw Co", services=[("glp-toxicology", 2, 3)])
    for statement in (
        "UPDATE providers_service SET last_phase_id = 2 WHERE provider_id = %s",
        "DELETE FROM providers_site WHERE provider_id = %s",
        "UPDATE providers_provider SET summary = 'changed' WHERE id = %s",
    ):
        before = current_token()
        with connection.cursor() as cursor:
            cursor.execute(statement, [provider.pk])
        assert current_token() != before, statement


def test_writing_history_alone_does_not_bump():
    provider = make_provider("Quiet Co")
    before = current_token()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE providers_historicalprovider SET history_change_reason = 'x' WHERE id = %s",
            [provider.pk],
        )
    assert current_token() == before


def test_import_progress_is_not_buyer_visible():
    """A progress write from the import's own thread must not wait on the directory version
    row that the import's transaction holds."""
    assert "providers_providerimport" not in buyer_visible_tables()
    assert "providers_providerimport" not in installed_tables()
