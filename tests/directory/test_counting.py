"""Facet counts from the option matrices give what counting one option at a time gives,
for dense and sparse sets, and follow a change to the data."""

import random

import pytest

from providers.directory import counting
from providers.directory import index as index_module
from providers.models import Provider
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

COUNTRIES = ("GB", "DE", "US", "CH", "IN", "CN", "FR", "IE", "IT", "JP", "KR")


def one_at_a_time(index, facet, base):
    table = index.bits[facet]
    return [(base & table.get(option.key, 0)).bit_count() for option in index.options[facet]]


@pytest.fixture
def directory():
    rng = random.Random(5)
    for number in range(150):
        make_provider(
            f"Provider {number:03}",
            types=tuple(rng.sample(["cro", "cdmo", "cmo"], rng.randint(1, 2))),
            hq_country=rng.choice(COUNTRIES),
        )
    index_module.reset()
    yield index_module.get_index()
    index_module.reset()


@pytest.mark.parametrize("share", [0.0, 0.02, 0.3, 1.0])
def test_the_matrices_count_as_one_option_at_a_time_does(directory, monkeypatch, share):
    monkeypatch.setattr(counting, "FEW_OPTIONS", 0)  # the matrix for every facet here
    rng = random.Random(share)
    base = 0
    for position in range(directory.size):
        if rng.random() < share:
            base |= 1 << position
    for facet in ("country", "type", "capability"):
        assert counting.option_counts(directory, facet, base) == one_at_a_time(
            directory, facet, base
        )
    assert sum(counting.option_counts(directory, "country", directory.all)) == directory.size


def test_counts_follow_a_change(directory, monkeypatch):
    monkeypatch.setattr(counting, "FEW_OPTIONS", 0)
    keys = [option.key for option in directory.options["country"]]
    before = dict(
        zip(keys, counting.option_counts(directory, "country", directory.all), strict=True)
    )
    moved = Provider.objects.filter(hq_country="GB").first()
    moved.hq_country = "US"
    moved.save()
    patched = index_module.get_index()
    assert patched is not directory
    after = dict(zip(keys, counting.option_counts(patched, "country", patched.all), strict=True))
    assert after["GB"] == before["GB"] - 1
    assert after["US"] == before["US"] + 1
    assert after == dict(zip(keys, one_at_a_time(patched, "country", patched.all), strict=True))
