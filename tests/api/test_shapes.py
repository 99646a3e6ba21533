"""The list and the record are written from plain dicts (``api.schema_response``), not
validated by their response schemas on the way out: what they answer must be exactly what
the schemas would have let through, field for field, in the schemas' order."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.api.api import api
from providers.api.schemas import ProviderDetail, ProviderList
from providers.directory.index import CATALOGUE_SQL
from providers.models import Provider
from providers.reads import prepared_cursor
from tests.api.test_records import trust_parts

pytestmark = pytest.mark.django_db


def as_the_schema_writes_it(schema, content: bytes) -> bytes:
    """The response validated by ``schema`` and written as django-ninja writes a validated
    response: unknown or missing fields, wrong types or another field order all differ."""
    validated = schema.model_validate_json(content).model_dump()
    return api.renderer.render(None, validated, response_status=200).encode()


def test_every_record_is_what_its_schema_writes(client, directory):
    trust_parts(directory)  # evidence on every kind of claim, an identity, an inspection
    slugs = list(Provider.objects.published().values_list("slug", flat=True))
    assert len(slugs) >= 5
    for slug in slugs:
        response = client.get(f"/api/v1/providers/{slug}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.content == as_the_schema_writes_it(ProviderDetail, response.content)
    beta = client.get("/api/v1/providers/beta-biologics").json()
    site = beta["sites"][0]
    assert site["identities"] and site["inspections"] and beta["profile"]["evidence"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "type=cro&counts=true",
        "q=peptide&sort=relevance&limit=1",
        "capability=glp-toxicology&country=US&country=zz&sort=verified&counts=true",
        "cover_from=phase-1&cover_to=commercial-supply&unknown=1",
    ],
)
def test_every_list_page_is_what_its_schema_writes(client, directory, query):
    response = client.get(f"/api/v1/providers?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == as_the_schema_writes_it(ProviderList, response.content)
    data = response.json()
    if data["next_cursor"]:
        following = client.get(data["next"])
        assert following.content == as_the_schema_writes_it(ProviderList, following.content)


def test_the_fast_path_keeps_the_validators_headers(client, directory):
    response = client.get("/api/v1/providers/beta-biologics")
    assert response["ETag"] and response["Last-Modified"]
    assert response["Cache-Control"] == "no-cache"
    listed = client.get("/api/v1/providers?type=cro")
    assert listed["ETag"] and listed["Cache-Control"] == "no-cache"


def test_a_record_is_two_queries_the_catalogue_check_and_the_record(client, directory):
    """Through the ORM a record took thirteen (eleven with prefetches, the last change,
    the catalogue check). Another site with an identity and an inspection changes nothing."""
    from providers.models import Site
    from providers.regulatory import Inspection

    client.get("/providers/")  # the process's index, built once
    client.get("/api/v1/providers/beta-biologics")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/providers/beta-biologics").status_code == 200
    assert len(captured) == 2, [query["sql"][:80] for query in captured]
    site = Site.objects.create(provider=directory["beta"], name="Extra", country="IE")
    site.identities.create(scheme="duns", value="123456789")
    Inspection.objects.create(
        site=site, authority="eu", end_date=datetime.date(2024, 1, 1), outcome="gmp-certificate"
    )
    client.get("/api/v1/providers/beta-biologics")
    with CaptureQueriesContext(connection) as captured:
        data = client.get("/api/v1/providers/beta-biologics").json()
    assert len(captured) == 2
    assert {s["name"] for s in data["sites"]} == {"Cork plant", "Extra"}


def test_the_catalogue_check_can_use_the_partial_index(db):
    """The API record's catalogue check reads the change log's catalogue rows only: with
    sequential scans discouraged the planner finds an index for the whole condition (the
    seq and xid indexes each cover only one side of its OR)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN " + CATALOGUE_SQL.replace("%(last)s", "0").replace("%(pending)s", "'{}'")
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "providers_directorychange_catalogue" in plan, plan


def test_hot_queries_are_prepared_on_the_server(db, settings):
    settings.DATABASE_PREPARE_THRESHOLD = 0
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = 0
    try:
        with prepared_cursor() as cursor:
            cursor.execute("SELECT count(*) FROM providers_provider WHERE slug = %s", ["x"])
            assert cursor.fetchone() == (0,)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%FROM providers_provider WHERE slug = $1%"],
            )
            assert cursor.fetchone() == (1,)
    finally:
        connection.connection.prepare_threshold = threshold
