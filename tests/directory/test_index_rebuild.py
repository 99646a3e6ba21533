"""After a change, the facet index is updated beside the old one: no buyer request waits
for the update, and the new index replaces the old one as soon as it is ready."""

import time

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
