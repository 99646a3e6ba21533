"""Free-text search, answered from the in-process word index (``wordindex.py``): no
database query, whatever the words.

Every word typed must match (as a prefix, by its English stem, or, for a word found
nowhere, as a vocabulary word a typo or two away). Matches come back in four relevance
tiers, each a bitset over the facet index:
1. the name matches (every word is in the name or a regulator identifier);
2. every word matches what the provider does (name, types, capabilities, modalities,
   places) and its summary says so too;
3. every word matches what the provider does;
4. every word matches somewhere, the summary included.
Within a tier, results keep the directory's name order.

PostgreSQL full-text search (``search_query``, the weighted ``search_document``) stays for
the admin and as the reference the word index is tested against
(``tests/directory/test_word_index.py``).
"""

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import pairwise

from django.conf import settings

from providers.directory.bitsets import bits_from_positions
from providers.directory.index import DirectoryIndex, on_rebuild
from providers.directory.memo import bitset_memo_limit
from providers.directory.wordindex import STOP_WORDS
from providers.models import PUBLISHED
from providers.reads import read_connection
from providers.text import words

TIERS = 4

# Two index-driven branches: full-text matches with their tier, and names similar to the
# query (trigram word similarity, for misspellings). A row found by both keeps its best tier.
# The queries are built once (a materialised CTE): to_tsquery is only STABLE, so written
# inline it would run again for every matching row (about three times slower on common words).
SEARCH_SQL = """
WITH q AS MATERIALIZED (
    SELECT to_tsquery('english', %(name)s) || to_tsquery('simple', %(name)s) AS name_q,
           to_tsquery('english', %(core)s) || to_tsquery('simple', %(core)s) AS core_q,
           to_tsquery('english', %(summary)s) AS summary_q,
           to_tsquery('english', %(any)s) || to_tsquery('simple', %(any)s) AS any_q
)
SELECT p.id,
       CASE
           WHEN p.search_document @@ q.name_q THEN 1
           WHEN p.search_document @@ q.core_q AND p.search_document @@ q.summary_q THEN 2
           WHEN p.search_document @@ q.core_q THEN 3
           ELSE 4
       END AS tier
FROM providers_provider AS p, q
WHERE p.status = %(published)s AND p.search_document @@ q.any_q
UNION ALL
SELECT id, 1
FROM providers_provider
WHERE %(fuzzy)s AND status = %(published)s
  AND (({each_word_similar}) OR %(text)s %% lower(name))
"""


def search_sql(word_count: int) -> str:
    """The search query; a name is 'similar' when each word is close to a word of it."""
    similar = " AND ".join(f"%(w{number})s <%% lower(name)" for number in range(word_count))
    return SEARCH_SQL.replace("{each_word_similar}", similar or "false")


@dataclass(frozen=True)
class TextMatch:
    tiers: tuple[int, ...]  # name-order bitsets, best tier first

    @property
    def any(self) -> int:
        matched = 0
        for tier in self.tiers:
            matched |= tier
        return matched


def phrases(text: str) -> list[tuple[str, ...]]:
    """The words of ``text`` in groups: a hyphenated term ("5-batch", "fill-finish") is one
    phrase whose words must follow each other; other words stand alone. An identifier typed
    with dashes stays one number (``providers.text.words`` joins its digits)."""
    groups: list[tuple[str, ...]] = []
    left = len(words(text))  # at most as many words as the search reads
    for chunk in text.split():
        found = words(chunk)[:left]
        left -= len(found)
        if len(found) > 1 and "-" in chunk:
            groups.append(tuple(found))
        else:
            groups += [(word,) for word in found]
    return groups


def _tsquery(groups, weights: str = "") -> str:
    return " & ".join(
        "(" + " <-> ".join(f"{term}:*{weights}" for term in group) + ")" for group in groups
    )


def search_query(terms: list[str], groups: list[tuple[str, ...]] | None = None):
    """The SQL and parameters that find ``terms`` (the benchmark explains this same query);
    ``groups``: the same words with hyphenated terms as phrases (default: each alone)."""
    key = " ".join(terms)
    groups = groups if groups is not None else [(term,) for term in terms]
    params = {
        "name": _tsquery(groups, "A"),
        "core": _tsquery(groups, "AB"),
        "summary": _tsquery(groups, "C"),
        "any": _tsquery(groups),
        "text": key,
        "fuzzy": len(key) >= 3,
        "published": PUBLISHED,
    }
    # Misspelt names: each word typed alone is close to a word of the name (a phrase's
    # words are not looked for one by one).
    fuzzy_words = [group[0] for group in groups if len(group) == 1 and len(group[0]) >= 3]
    params.update({f"w{number}": term for number, term in enumerate(fuzzy_words)})
    return search_sql(len(fuzzy_words)), params


def query_terms(text: str) -> list[str]:
    """The words that must match: English function words are dropped unless nothing else
    was typed."""
    terms = words(text)
    meaningful = [term for term in terms if term not in STOP_WORDS]
    return meaningful or terms


def match(index: DirectoryIndex, text: str) -> TextMatch | None:
    """The providers matching ``text`` (None when it holds no searchable word)."""
    terms = query_terms(text)
    if not terms:
        return None
    groups = phrases(text)
    key = " ".join("-".join(group) for group in groups)
    found = cached_text(index.token, key)
    if found is not None:
        return found
    found = index_match(index, terms, groups)
    store_text(index.token, key, found, index.size)
    return found


def index_match(
    index: DirectoryIndex, terms: list[str], groups: list[tuple[str, ...]] | None = None
) -> TextMatch:
    """The tiers of ``terms`` from the word index; ``groups`` (``phrases``): each two words
    of a hyphenated term must also follow each other in the same field."""
    word_index = index.words
    name = core = summary = anywhere = index.all
    found = [word_index.postings_of(index, term) for term in terms]
    for group in groups or ():
        for first, second in pairwise(group):
            if first in STOP_WORDS or second in STOP_WORDS:
                continue  # a gap PostgreSQL's english configuration leaves (lenient here)
            found.append(word_index.phrase_postings(index, first, second))
    for in_name, in_core, in_summary in found:
        name &= in_name
        core &= in_name | in_core
        summary &= in_summary
        anywhere &= in_name | in_core | in_summary
    first = name
    second = core & summary & ~first
    third = core & ~first & ~second
    fourth = anywhere & ~core & ~first
    return TextMatch((first, second, third, fourth))


def postgres_match(index: DirectoryIndex, text: str, fuzzy: bool = True) -> TextMatch | None:
    """The same question asked of PostgreSQL full-text search (the admin's engine); with
    ``fuzzy`` off, without its trigram branch (names similar to the words)."""
    terms = words(text)
    if not terms:
        return None
    best: dict[int, int] = {}
    sql, params = search_query(terms, phrases(text))
    params["fuzzy"] = params["fuzzy"] and fuzzy
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for pk, tier in cursor.fetchall():
            position = index.position_of.get(pk)
            if position is not None and tier < best.get(position, TIERS + 1):
                best[position] = tier
    tiers: tuple[list[int], ...] = tuple([] for _ in range(TIERS))
    for position, tier in best.items():
        tiers[tier - 1].append(position)
    return TextMatch(tuple(bits_from_positions(group, index.size) for group in tiers))


# Text matches per (token, query): search engines keep posting lists; this keeps the
# last few hundred queries' match sets so typing and paging do not repeat the search.
# Emptied whenever the index is rebuilt (its positions change).
_text_cache: OrderedDict = OrderedDict()
_text_lock = threading.Lock()


def _forked() -> None:
    """A forked process starts with the lock free (the thread that held it stayed behind)."""
    global _text_lock
    _text_lock = threading.Lock()


os.register_at_fork(after_in_child=_forked)


def _cache_size() -> int:
    return getattr(settings, "DIRECTORY_TEXT_CACHE_SIZE", 512)


def cached_text(token: str, query: str) -> "TextMatch | None":
    if not _cache_size():
        return None
    key = (token, query)
    with _text_lock:
        value = _text_cache.get(key)
        if value is not None:
            _text_cache.move_to_end(key)
        return value


def store_text(token: str, query: str, value: "TextMatch", providers: int) -> None:
    """Keep ``value`` among the last ``DIRECTORY_TEXT_CACHE_SIZE`` queries' matches, or
    fewer where their bitsets (one per tier over ``providers``) would pass
    ``memo.BITSET_MEMO_BYTES``."""
    size = _cache_size()
    if not size:
        return
    size = bitset_memo_limit(size, providers, TIERS)
    with _text_lock:
        _text_cache[(token, query)] = value
        _text_cache.move_to_end((token, query))
        while len(_text_cache) > size:
            _text_cache.popitem(last=False)


def clear_text_cache() -> None:
    with _text_lock:
        _text_cache.clear()


on_rebuild(clear_text_cache)
