"""Which database serves a read: the replica for buyers' reads, the primary for the rest.

The drill (bin/replica-drill, run by test_replica_drill.py) proves it with a real streaming
replica; these tests pin the rules one by one.
"""

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import RequestFactory

from config import routing
from providers.models import Provider
from tests.platform.test_settings_and_health import run_python

router = routing.ReplicaRouter()


def read_alias_during(request, model=Provider, *, replica=True, monkeypatch) -> str:
    """Where ``model`` is read from while ``request`` runs through the middleware."""
    monkeypatch.setattr(routing, "replica_configured", lambda: replica)
    middleware = routing.ReplicaReadsMiddleware(lambda request: router.db_for_read(model))
    return middleware(request)


@pytest.mark.parametrize("method", ["get", "head", "options"])
@pytest.mark.parametrize("path", ["/", "/providers/", "/providers/acme/", "/shortlist/"])
def test_buyers_reads_go_to_the_replica(method, path, monkeypatch):
    request = getattr(RequestFactory(), method)(path)
    assert read_alias_during(request, monkeypatch=monkeypatch) == "replica"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_requests_read_from_the_primary(method, monkeypatch):
    request = getattr(RequestFactory(), method)("/providers/acme/shortlist/")
    assert read_alias_during(request, monkeypatch=monkeypatch) == "default"


@pytest.mark.parametrize("path", ["/admin/", "/admin/providers/provider/", "/admin/login/"])
def test_the_admin_reads_from_the_primary(path, monkeypatch):
    assert read_alias_during(RequestFactory().get(path), monkeypatch=monkeypatch) == "default"


def test_sessions_are_read_from_the_primary_even_on_buyer_pages(monkeypatch):
    request = RequestFactory().get("/providers/")
    assert read_alias_during(request, Session, monkeypatch=monkeypatch) == "default"


def test_without_a_replica_everything_reads_from_the_primary(monkeypatch):
    request = RequestFactory().get("/providers/")
    assert read_alias_during(request, replica=False, monkeypatch=monkeypatch) == "default"


def test_outside_a_request_reads_use_the_primary():
    # Management commands, the shell and background work: no request, no replica.
    assert router.db_for_read(Provider) == "default"


def test_the_marker_ends_with_the_request(monkeypatch):
    read_alias_during(RequestFactory().get("/providers/"), monkeypatch=monkeypatch)
    assert router.db_for_read(Provider) == "default"


@pytest.mark.parametrize("replica", [True, False])
def test_work_for_buyers_outside_a_request_reads_as_their_requests_do(replica, monkeypatch):
    monkeypatch.setattr(routing, "replica_configured", lambda: replica)
    with routing.buyer_reads():
        assert router.db_for_read(Provider) == ("replica" if replica else "default")
        assert router.db_for_read(Session) == "default"
    assert router.db_for_read(Provider) == "default"


def test_the_index_updater_thread_reads_as_buyers_requests_do(monkeypatch):
    """Its token is compared with the one requests read: both from the replica."""
    from providers.directory import index

    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    seen = []
    monkeypatch.setattr(
        index, "_build_in_background", lambda: seen.append(router.db_for_read(Provider))
    )
    update, _started = index._start_background_build()
    update.join(10)
    index._stop_updater()
    assert seen == ["replica"]


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_use_the_primary(monkeypatch):
    def view(request):
        outside = router.db_for_read(Provider)
        with transaction.atomic():
            inside = router.db_for_read(Provider)
        return outside, inside

    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    middleware = routing.ReplicaReadsMiddleware(view)
    assert middleware(RequestFactory().get("/providers/")) == ("replica", "default")


def test_writes_always_go_to_the_primary():
    assert router.db_for_write(Provider) == "default"
    assert router.allow_migrate("replica", "providers") is False


def replica_settings(url: str):
    code = (
        "from django.conf import settings; import django; django.setup();"
        "replica = settings.DATABASES.get('replica');"
        "print(replica and (replica['HOST'], replica['PORT'], replica['TEST']['MIRROR']))"
    )
    return run_python(
        code,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        DATABASE_REPLICA_URL=url,
    )


def test_a_replica_url_adds_the_replica_database():
    result = replica_settings("postgresql://postgres@127.0.0.1:54342/directory")
    assert result.stdout.strip() == "('127.0.0.1', 54342, 'default')"
    assert replica_settings("").stdout.strip() == "None"


def test_a_replica_that_is_not_postgresql_is_refused_clearly():
    result = replica_settings("sqlite:///replica.db")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL must point to PostgreSQL" in result.stderr
