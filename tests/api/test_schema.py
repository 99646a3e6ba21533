"""Property-based tests generated from the API's own OpenAPI schema (schemathesis): for
every operation, generated requests (valid and invalid) never get a server error and every
response conforms to the schema: status, content type, headers and body."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES = 40  # per operation and generation mode; derandomised, so every run is the same


def load_schema():
    """The schema the API serves, generated from the code (no request needed)."""
    from providers.api.api import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    loaded.app = application
    return loaded


schema = load_schema()


@pytest.fixture(autouse=True)
def _data_and_generous_limits(directory, settings):
    settings.API_ANONYMOUS_RATE_PER_MINUTE = 100_000
    # Requests go through the real WSGI handler: keep it from closing the test's database
    # connection at the end of each request (Django's test client does the same).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case):
    # Left out: "schema-valid request accepted". A cursor is an opaque token: a string the
    # schema allows but this API did not issue is rightly refused (400, invalid-cursor).
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_the_schema_is_openapi_3_1_and_documents_problems(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert operations == {"listProviders", "getProvider", "getReference", "listChanges"}
    listing = document["paths"]["/api/v1/providers"]["get"]
    assert "application/problem+json" in listing["responses"]["400"]["content"]
    assert {} in listing["security"]  # a key is optional
    parameters = {parameter["name"] for parameter in listing["parameters"]}
    assert {"q", "type", "capability", "cover_from", "sort", "counts", "limit", "cursor"} <= (
        parameters
    )
