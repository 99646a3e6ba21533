"""The in-process word index against PostgreSQL full-text search (without its trigram
branch for misspelt names) on a seeded synthetic corpus: for words that occur in the
directory, both find the same providers (the index
may find more: it also knows sites' cities and countries, and the synonyms of modalities
stated per service), and the index alone finds prefixes and misspellings."""

import random

import pytest

from providers.directory import index as index_module
from providers.directory.search import index_match, postgres_match, query_terms
from providers.directory.wordindex import STOP_WORDS, catalogue_words


@pytest.fixture
def corpus(db):
    from providers.devdata.synthetic import generate

    generate(300, seed=11)
    index_module.reset()
    return index_module.get_index()


def sampled_words(index, count: int, seed: int) -> list[str]:
    """Words of names, summaries and the catalogue, but not of places (PostgreSQL's search
    document has no cities or countries)."""
    from django_countries import countries

    from providers.models import Site

    places = set()
    for city in Site.objects.values_list("city", flat=True):
        places.update(city.lower().split())
    for _code, name in countries:
        places.update(str(name).lower().split())
    country_words = catalogue_words(index.catalogue, index.bits["country"])
    vocabulary = [
        word
        for word in index.words.sorted_words
        if len(word) >= 3
        and not word.isdigit()
        and word not in STOP_WORDS
        and word not in places
        and not any(facet == "country" for facet, _key in country_words.get(word, ()))
    ]
    return random.Random(seed).sample(vocabulary, min(count, len(vocabulary)))


def test_exact_words_find_the_same_providers_as_postgresql(corpus):
    index = corpus
    words = sampled_words(index, 120, seed=3)
    pairs = [f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=False)]
    differing = []
    for text in words + pairs:
        mine = index_match(index, query_terms(text))
        theirs = postgres_match(index, text, fuzzy=False)
        assert theirs.any & ~mine.any == 0, f"PostgreSQL finds more for {text!r}"
        if mine.any != theirs.any:
            differing.append(text)
    # More only through the synonyms of modalities stated per service: a few words.
    assert len(differing) <= len(words + pairs) // 20, differing


def test_prefixes_and_typos_are_found_by_the_index_alone(corpus):
    index = corpus
    target = next(word for word in index.words.sorted_words if len(word) >= 9 and word.isalpha())
    typed = target[:3] + target[4:]  # one letter dropped
    assert index_match(index, [typed]).any
    assert index_match(index, [typed]).any == index_match(index, [target]).any
    swapped = target[:2] + target[3] + target[2] + target[4:6] + "x" + target[7:]
    assert index_match(index, [swapped]).any  # a transposition and a substitution
    assert index_match(index, [target[:5]]).any & index_match(index, [target]).any == (
        index_match(index, [target]).any
    )
