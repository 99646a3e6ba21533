"""After a change, the facet index is updated beside the old one: no buyer request waits
for the update, and the new index replaces the old one as soon as it is ready."""

import gc
import time
import weakref

import pytest

from providers.directory import index as index_module
from tests.factories import make_provider

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("rebuild")]


@pytest.fixture
def background(settings):
    settings.DIRECTORY_BACKGROUND_REBUILD = True
    settings.DIRECTORY_REBUILD_WAIT = 0.05
    index_module.reset()
    yield
    builder = index_module._building
    if builder is not None:
        builder.join(10)
    index_module.reset()


def test_a_slow_rebuild_does_not_hold_the_request(background, monkeypatch):
    make_provider("First Co", slug="first-co")
    first = index_module.get_index()  # the first index of a process is built in the request
    assert first.size == 1

    quick_update = index_module.update_index

    def slow_update(*args, **kwargs):
        time.sleep(1.0)
        return quick_update(*args, **kwargs)

    monkeypatch.setattr(index_module, "update_index", slow_update)
    make_provider("Second Co", slug="second-co")

    started = time.monotonic()
    served = index_module.get_index()
    assert time.monotonic() - started < 0.6  # answered from the previous index
    assert served is first

    index_module._building.join(10)
    fresh = index_module.get_index()
    assert fresh.size == 2 and fresh.token == index_module.current_token()


def test_a_quick_rebuild_is_seen_by_the_request_that_found_the_change(background):
    make_provider("First Co", slug="first-co")
    assert index_module.get_index().size == 1
    make_provider("Second Co", slug="second-co")
    index_module.get_index()  # starts the build and waits briefly
    index_module._building.join(10)
    assert index_module.get_index().size == 2


def test_requests_during_a_long_update_do_not_each_wait_for_it(background, monkeypatch):
    make_provider("First Co", slug="first-co")
    index_module.get_index()
    make_provider("Second Co", slug="second-co")

    waits = []

    class Builder:
        def join(self, timeout):
            waits.append(timeout)

    started = time.monotonic()
    monkeypatch.setattr(index_module, "_start_background_build", lambda: (Builder(), started))
    index_module.get_index()
    monkeypatch.setattr(index_module, "_start_background_build", lambda: (Builder(), started - 1.0))
    index_module.get_index()
    # The request that found the change waits up to the limit; one that arrives when the
    # update has already run longer than that is answered from the previous index at once.
    assert 0 < waits[0] <= 0.05
    assert waits[1] == 0


@pytest.fixture
def token_ttl(settings):
    settings.DIRECTORY_TOKEN_TTL = 60
    index_module.reset()
    yield
    index_module.reset()


def test_within_the_token_ttl_the_index_is_answered_without_a_query(
    token_ttl, django_assert_num_queries
):
    make_provider("First Co", slug="first-co")
    first = index_module.get_index()
    make_provider("Second Co", slug="second-co")
    with django_assert_num_queries(0):
        assert index_module.get_index() is first


def test_past_the_token_ttl_a_change_is_seen(token_ttl, monkeypatch):
    make_provider("First Co", slug="first-co")
    assert index_module.get_index().size == 1
    make_provider("Second Co", slug="second-co")
    monkeypatch.setattr(index_module, "_checked_at", time.monotonic() - 61)
    assert index_module.get_index().size == 2


def test_without_a_ttl_every_request_asks_the_token(settings, django_assert_num_queries):
    settings.DIRECTORY_TOKEN_TTL = 0
    index_module.reset()
    make_provider("First Co", slug="first-co")
    index_module.get_index()
    with django_assert_num_queries(1):
        index_module.get_index()
    index_module.reset()


def test_a_replaced_index_is_freed_without_the_cycle_collector():
    make_provider("First Co", slug="first-co")
    index_module.reset()
    old = weakref.ref(index_module.get_index())
    make_provider("Second Co", slug="second-co")
    gc.disable()
    try:
        index_module.get_index()
        assert old() is None  # no reference cycle keeps it: freezing cannot leak it
    finally:
        gc.enable()
        index_module.reset()


def test_an_installed_index_is_moved_out_of_the_collectors_way(settings):
    settings.DIRECTORY_FREEZE_INDEX = True
    make_provider("First Co", slug="first-co")
    index_module.reset()
    try:
        index_module.get_index()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        index_module.reset()


def test_the_updater_keeps_its_connection_between_updates_and_reset_ends_it(
    background, monkeypatch
):
    """Updates run on one thread with its own connection, kept between them (a new
    connection per update cost each waiting request 5 to 10 ms); reset() ends the thread,
    closing that connection."""
    from providers.reads import read_connection

    make_provider("First Co", slug="first-co")
    index_module.get_index()
    quick_update = index_module.update_index
    backends = []

    def recording_update(*args, **kwargs):
        found = quick_update(*args, **kwargs)
        backends.append(read_connection().connection.info.backend_pid)
        return found

    monkeypatch.setattr(index_module, "update_index", recording_update)
    for number in range(3):
        make_provider(f"Next Co {number}", slug=f"next-co-{number}")
        index_module.get_index()
        index_module._building.join(10)
        assert index_module.get_index().size == 2 + number
    assert len(backends) == 3 and len(set(backends)) == 1
    updater = index_module._updater
    assert updater is not None and updater.is_alive()
    index_module.reset()
    assert not updater.is_alive() and index_module._updater is None


def test_an_update_that_fails_is_logged_and_the_next_one_runs(background, monkeypatch, caplog):
    make_provider("First Co", slug="first-co")
    first = index_module.get_index()
    quick_update = index_module.update_index
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return quick_update(*args, **kwargs)

    monkeypatch.setattr(index_module, "update_index", failing_once)
    make_provider("Second Co", slug="second-co")
    assert index_module.get_index() is first  # the failed update leaves the last index
    index_module._building.join(10)
    assert "could not be updated" in caplog.text
    index_module.get_index()
    index_module._building.join(10)
    assert index_module.get_index().size == 2
