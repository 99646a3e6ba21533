"""Each app server holds its own in-process index; two real servers on two ports see a
write within a second, whichever path it took (a curator's save, a queryset update)."""

import time

import pytest

from providers.models import Provider
from tests.factories import ensure_reference_data, make_provider
from tests.platform.servers import Client, database_url, start_servers

pytestmark = pytest.mark.xdist_group("real-servers")


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        url = database_url()
    servers = start_servers(2, url, tmp_path_factory.mktemp("servers-converge"))
    yield servers
    for server in servers:
        server.stop()


def seen_within(servers, path: str, text: str, limit: float = 1.0) -> list[float]:
    """Seconds until each server's answer to ``path`` holds ``text`` (fails past ``limit``)."""
    client = Client()
    started = time.monotonic()
    waited = []
    for server in servers:
        while text not in client.get(server, path).text:
            assert time.monotonic() - started < limit, f"{server} still stale"
            time.sleep(0.02)
        waited.append(time.monotonic() - started)
    return waited


def test_two_servers_converge_within_a_second_after_a_write(two_servers, transactional_db):
    ensure_reference_data()
    make_provider("Converge Alpha", slug="converge-alpha", types=("cro",))
    # Both hold an index of the current data: the reference data put back after the last
    # test's flush is a catalogue change, so each server builds its index anew first.
    seen_within(two_servers, "/providers/?q=converge", "Converge Alpha", limit=60)

    make_provider("Converge Beta", slug="converge-beta", types=("cdmo",))
    assert max(seen_within(two_servers, "/providers/?q=converge", "Converge Beta")) < 1.0

    Provider.objects.filter(slug="converge-alpha").update(summary="Runs narwhal assays.")
    assert max(seen_within(two_servers, "/providers/?q=narwhal", "Converge Alpha")) < 1.0

    Provider.objects.filter(slug="converge-beta").update(status="draft")
    client = Client()
    started = time.monotonic()
    for server in two_servers:
        while "Converge Beta" in client.get(server, "/providers/?q=converge").text:
            assert time.monotonic() - started < 1.0
            time.sleep(0.02)
