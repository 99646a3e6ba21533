"""The in-process word index against PostgreSQL full-text search (without its trigram
branch for misspelt names) on a seeded synthetic corpus: for words that occur in the
directory, both find the same providers (the index
may find more: it also knows sites' cities and countries, and the synonyms of modalities
stated per service), and the index alone finds prefixes and misspellings."""

import pickle
import random
from array import array

import pytest

from providers.directory import index as index_module
from providers.directory.search import index_match, postgres_match, query_terms
from providers.directory.wordindex import STOP_WORDS, RarePostings, _followers, catalogue_words


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


def test_a_new_word_is_found_two_typos_away_once_patched_in_without_a_rebuild(corpus):
    import gc

    from providers.models import Provider

    index = corpus
    assert index.words.corrections("manufacturinq")  # the table of long words, built
    provider = Provider.objects.published().order_by("pk").first()
    provider.summary += " Quinquagintillion."
    provider.save()
    patched = index_module.get_index()
    assert patched is not index
    # The patch extended the table of long words (a copy); the old index's is as it was.
    assert patched.words._by_length is not None
    assert "quinquagintillion" not in dict(index.words._by_length[17])
    found = index_match(patched, ["qinquagintilion"]).any  # two letters dropped
    assert found >> patched.position_of[provider.pk] & 1
    # Found by its start and by its stem too; the built vocabulary was not copied for it.
    for typed in ("quinquagint", "quinquagintillions"):
        assert index_match(patched, [typed]).any >> patched.position_of[provider.pk] & 1
    assert patched.words.sorted_words is index.words.sorted_words
    assert patched.words.stem_of is index.words.stem_of
    assert not index.words.is_word("quinquagintillion")
    # What the table holds is nothing the garbage collector walks (ints and strings).
    gc.collect()
    table = patched.words._by_length
    assert not any(gc.is_tracked(entry) for entries in table.values() for entry in entries)


def test_numbers_keep_their_postings_per_field_whether_a_field_holds_few_or_most():
    """A field that holds most numbers (the core text) keeps an offset for every number; a
    field that holds few keeps the places of those beside their offsets. Both answer the
    same way."""
    from providers.directory.wordindex import NumberWords

    held = ({"0012": [0]}, {"0012": [1], "345": [0, 2]}, {})
    numbers = NumberWords({"0012", "345", "6789"}, held, ids=[10, 20, 30])
    assert numbers.held[0] is not None and numbers.held[1] is None
    assert [numbers.ids_of(word, 0) for word in ("0012", "345", "6789", "12")] == [
        [10],
        None,
        None,
        None,
    ]
    assert [numbers.ids_of(word, 1) for word in ("0012", "345", "6789")] == [[20], [10, 30], None]
    assert [numbers.ids_of(word, 2) for word in ("0012", "345", "6789")] == [None, None, None]


def test_numbers_are_held_apart_and_found_whole_by_prefix_and_against_postgresql(corpus):
    """Regulator identifiers are most of a large directory's words: they are held in one
    sorted array with their postings (``NumberWords``), not as a string, stem and ids
    array each, and are found as before: whole (leading zeros kept), by their start while
    typed, and as PostgreSQL finds them."""
    from providers.models import SiteIdentity

    words = corpus.words
    numbers = list(words.numbers)
    assert numbers, "the synthetic corpus gives its sites identifiers"
    assert not any(number in words.stem_of for number in numbers)
    assert not any(key[0] in words.numbers for key in words.sparse)
    assert numbers == sorted(numbers)
    identity = SiteIdentity.objects.select_related("site").order_by("pk").first()
    value = identity.value
    assert value in words.numbers and words.is_word(value)
    owner = corpus.position_of[identity.site.provider_id]
    for typed in (value, value[:-2]):
        found = index_match(corpus, query_terms(typed)).any
        assert found >> owner & 1, typed
    assert not index_match(corpus, query_terms("0" + value)).any >> owner & 1
    mine = index_match(corpus, query_terms(value)).any
    assert mine == postgres_match(corpus, value, fuzzy=False).any
    assert not words.numbers.starting("9" * (words.numbers.width + 1))
    assert words.numbers.ids_of("not a number", 0) is None


def test_rare_words_postings_answer_as_a_dict_of_id_arrays_would():
    """Rare words' postings are one array with a span per word and field, not an array
    and a tuple key each: they must give each key's ids as a dict of arrays did."""
    rng = random.Random(3)
    expected = {}
    rare = RarePostings()
    for number in range(2_000):
        key = (f"word{number % 700}", number % 3)
        if key in expected:
            continue
        found = rng.sample(range(1, 10**6), rng.randint(1, 40))
        expected[key] = array("i", found)
        rare.add(key[0], key[1], iter(found))
    assert len(rare) == len(expected) and set(rare) == set(expected)
    for key, found in expected.items():
        assert key in rare and rare.get(key) == found
    for missing in (("word1", 2) if ("word1", 2) not in expected else ("absent", 0), ("nope", 1)):
        assert missing not in rare and rare.get(missing) is None
    assert pickle.loads(pickle.dumps(rare)).get(("word0", 0)) == expected[("word0", 0)]


def test_following_words_are_the_vocabularys_own_strings(corpus):
    """Each following word of a pair is held once, as the vocabulary holds it, not as a
    copy made by splitting the pair."""
    finish = "".join(["fin", "ish"])  # a string object of its own
    found = _followers(["fill finish", "fill line", "fill finish", "cold chain"], {finish: finish})
    assert found == {"fill": ("finish", "line"), "cold": ("chain",)}
    assert found["fill"][0] is finish
    words = index_module.get_index().words
    vocabulary = {word: word for word in words.sorted_words}
    assert any(word in vocabulary for seconds in words.followers.values() for word in seconds)
    for seconds in words.followers.values():
        for word in seconds:
            assert word not in vocabulary or vocabulary[word] is word
