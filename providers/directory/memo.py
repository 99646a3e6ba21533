"""Bounded memos of work that depends only on the directory's index and a key.

A buyer's next request often repeats a filter state someone asked for a moment ago (the
first page of "CDMO", then its second page; a facet ticked and unticked), and many facets
keep the same counts across states. Such work is kept per index, in the index's
``html_cache``: a patched index keeps only the memos whose keys still hold (see
``index._kept_memos``) and starts the others empty, so nothing outlives the data it was
computed from. Each memo is bounded: past its limit the entry asked for least recently
goes.
"""

from collections.abc import Callable, Hashable

# What each memo of bitsets (a filter state's matching sets, a text search's tiers) may hold
# per process. Such an entry grows with the directory (a bitset is a bit per provider): at
# 100,000 providers their counts bound them first, at a million this does (the counts memo
# alone held 174 MB of a worker's memory there).
BITSET_MEMO_BYTES = 32 * 2**20


def bitset_memo_limit(limit: int, providers: int, bitsets: int) -> int:
    """``limit`` entries, or fewer when each holds about ``bitsets`` bitsets over
    ``providers`` and ``limit`` of them would hold more than ``BITSET_MEMO_BYTES`` (never
    fewer than 16)."""
    per_entry = bitsets * (providers // 8 + 1)
    return min(limit, max(16, BITSET_MEMO_BYTES // per_entry))


# The kinds of memo, each a dict in ``index.html_cache`` (``index._kept_memos`` names those a
# patched index keeps).
OPTION_COUNTS = "option-counts"  # matching set and counts per filter state
FACET_OPTIONS = "facet-options"  # a facet's folded option list per counts and choices
QUERY_CARDS = "query-cards"  # a page of "why it matched" cards per filter state and page
FILTER_FORMS = "filters-form"  # the filter form per state
DIRECTORY_ANSWERS = "directory-answer"  # the whole answer per address


def rendered_once[T](index, kind: str, key: Hashable, build: Callable[[], T], limit: int) -> T:
    """``build()`` for ``key``, computed once per index while among the ``limit`` keys of
    ``kind`` asked for most recently (none kept when ``limit`` is 0)."""
    if limit <= 0:
        return build()
    memo = index.html_cache.get(kind)
    if memo is None:
        memo = index.html_cache[kind] = {}
    found = memo.pop(key, None)  # put back last: the most recently asked
    if found is None:
        found = build()
        if len(memo) >= limit:
            memo.pop(next(iter(memo), None), None)  # the least recently asked
    memo[key] = found
    return found
