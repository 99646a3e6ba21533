"""Process-wide caches do not carry over from one test to the next (see conftest)."""

import pytest

from providers.directory import index as facets
from providers.directory import search

# Both on one worker, in file order, when the suite runs in parallel (make test: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("cache-isolation")]


def test_a_test_that_fills_the_caches(directory):
    index = facets.get_index()
    search.store_text(index.token, "oligo", "a cached match", index.size)
    assert facets._cached is index and search.cached_text(index.token, "oligo")


def test_the_next_test_starts_without_them():
    # Runs after the one above (same module, file order): nothing of it is left.
    assert facets._cached is None
    assert len(search._text_cache) == 0
