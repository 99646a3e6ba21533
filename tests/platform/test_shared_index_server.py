"""Served as production serves (config/gunicorn.py), gunicorn's master builds the
directory index before it forks its workers, which share it. An edit is patched into each
worker's copy within a second and starts no worker; once the master's own index was built
anew (a catalogue change), the workers are replaced, one at a time, with forks that share
it, and no worker builds an index of its own."""

import re
import threading
import time

import pytest

from providers.management.commands.bench import worker_pids as bench_worker_pids
from providers.models import ProviderType
from tests.factories import ensure_reference_data, make_provider
from tests.platform.servers import Client, database_url, start_servers

pytestmark = pytest.mark.xdist_group("real-servers")

REFRESH_S = 1  # the master's keeper looks this often


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        url = database_url()
    (started,) = start_servers(
        1,
        url,
        tmp_path_factory.mktemp("shared-index"),
        workers=2,
        LOG_LEVEL="INFO",
        DIRECTORY_SHARED_REFRESH_S=str(REFRESH_S),
        DIRECTORY_SHARED_WAIT_S="900",
    )
    yield started
    started.stop()


def worker_pids(server) -> set[int]:
    return bench_worker_pids(server.process.pid)


def settled_workers(server, quiet: float = 3 * REFRESH_S, limit: float = 60) -> set[int]:
    """The two workers, once the same two have served for ``quiet`` seconds."""
    deadline = time.monotonic() + limit
    seen, since = worker_pids(server), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = worker_pids(server)
        if now != seen:
            seen, since = now, time.monotonic()
        elif len(now) == 2 and time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"The workers did not settle: {seen}\n{server.output()}")


def every_answer_holds(server, path: str, text: str, limit: float) -> None:
    """Ten answers in a row (both workers, whichever takes each) hold ``text``."""
    client, in_a_row = Client(), 0
    deadline = time.monotonic() + limit
    while in_a_row < 10:
        assert time.monotonic() < deadline, f"{text!r} not yet in every answer"
        in_a_row = in_a_row + 1 if text in client.get(server, path).text else 0


def builders(log: str) -> set[int]:
    """The processes that logged a full build of the index."""
    return {int(pid) for pid in re.findall(r"providers built in [0-9.]+ s \(process (\d+)\)", log)}


def workers_at_once(log: str, running: int) -> tuple[int, int]:
    """The fewest and the most workers at once, from gunicorn's log (``running`` at its
    start): a worker says that it exits as it ends, and that it boots once forked."""
    fewest = most = running
    for line in log.splitlines():
        if "Booting worker with pid" in line:
            running += 1
        elif "Worker exiting" in line:
            running -= 1
        fewest, most = min(fewest, running), max(most, running)
    return fewest, most


def test_the_master_builds_the_index_before_it_forks_the_workers(server):
    log = server.log.read_text()
    assert "the workers share it" in log, log
    assert log.index("the workers share it") < log.index("Booting worker")
    assert builders(log) == {server.process.pid}  # no worker built one of its own


def test_an_edit_is_patched_and_a_catalogue_change_starts_workers_sharing_the_new_index(
    server, transactional_db
):
    ensure_reference_data()
    make_provider("Shared Alpha", slug="shared-alpha", types=("cro",))
    every_answer_holds(server, "/providers/?q=shared", "Shared Alpha", limit=30)
    workers = settled_workers(server)

    make_provider("Shared Beta", slug="shared-beta", types=("cdmo",))
    every_answer_holds(server, "/providers/?q=shared", "Shared Beta", limit=1.0)
    time.sleep(3 * REFRESH_S)
    assert worker_pids(server) == workers  # a patch starts no worker

    before = len(server.log.read_text())
    statuses, asking = [], threading.Event()

    def ask():  # buyers keep asking while the workers are replaced
        client = Client()
        while not asking.is_set():
            try:
                statuses.append(client.get(server, "/providers/?q=shared").status)
            except OSError as error:  # said below, with the server's log
                statuses.append(repr(error))

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        ProviderType.objects.filter(slug="cro").update(name="Contract research, renamed")
        deadline = time.monotonic() + 60
        while worker_pids(server) & workers or len(worker_pids(server)) < 2:
            assert time.monotonic() < deadline, f"The workers were not replaced:\n{server.output()}"
            time.sleep(0.2)
    finally:
        asking.set()
        asker.join(30)
    log = server.log.read_text()[before:]
    assert "Directory index built anew; replacing the workers" in log, log
    assert builders(log) == {server.process.pid}, log  # built by the master alone
    assert workers_at_once(log, 2) == (1, 2), log  # one at a time: never none, never three
    assert statuses and set(statuses) == {200}, f"{set(statuses)}\n{log}"
    every_answer_holds(server, "/providers/", "Contract research, renamed", limit=10)
    every_answer_holds(server, "/providers/?q=shared", "Shared Beta", limit=1.0)
