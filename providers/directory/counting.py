"""Facet counts: how many of a set of providers each option of a facet holds.

A count is ``(base & option).bit_count()`` over the index's bitsets. Done one option at a
time in Python, each of the two hundred or so options on a page allocates and counts a
new integer as wide as the directory (about 11 KB at 90,000 providers). Here a facet's
options are one matrix of 64-bit words (one row per option, built once per index and
facet, on first use), so a facet's counts are one AND of the matrix with the base's
words and one population count per row, in numpy. When the base is sparse (a text
search, narrow filters), only the columns where it has bits are read.
"""

import weakref

import numpy as np

# index -> facet -> matrix. Keyed weakly, so a replaced index takes its matrices with it,
# and by the index object itself, so a patched copy never inherits a stale matrix.
_matrices: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

# Facets with this few options are counted one option at a time: fewer steps than
# converting the base for numpy.
FEW_OPTIONS = 8
# Below this share of non-zero words, the columns where the base has bits are gathered
# first (a copy of those columns) rather than the whole matrix read.
SPARSE_SHARE = 0.25


def _words(bits: int, width: int) -> np.ndarray:
    return np.frombuffer(bits.to_bytes(width * 8, "little"), dtype=np.uint64)


def _width(index) -> int:
    return max(1, (index.size + 63) // 64)


def _matrix(index, facet: str) -> np.ndarray:
    table = index.bits[facet]
    width = _width(index)
    rows = [_words(table.get(option.key, 0), width) for option in index.options[facet]]
    if not rows:
        return np.zeros((0, width), dtype=np.uint64)
    return np.vstack(rows)


def matrix(index, facet: str) -> np.ndarray:
    per_index = _matrices.get(index)
    if per_index is None:
        per_index = _matrices.setdefault(index, {})
    found = per_index.get(facet)
    if found is None:
        found = per_index[facet] = _matrix(index, facet)
    return found


def carry_over(old, new) -> None:
    """Give a patched index ``new`` the matrices of ``old`` it can use: a facet's matrix
    as it is when no option's bitset changed (an edit in place leaves most bitsets the same
    int), a copy with the changed rows written again when a few did. The first requests
    after each curator's save no longer build every facet's matrix again."""
    found = _matrices.get(old)
    if not found or new.size != old.size:
        return
    carried = {}
    for facet, kept in found.items():
        options = new.options[facet]
        if options is not old.options[facet]:
            continue  # options entered or left: built again when used
        before, after = old.bits[facet], new.bits[facet]
        changed = [
            row
            for row, option in enumerate(options)
            if after.get(option.key, 0) is not before.get(option.key, 0)
        ]
        if changed:
            kept = kept.copy()
            for row in changed:
                kept[row] = _words(after.get(options[row].key, 0), kept.shape[1])
        carried[facet] = kept
    if carried:
        _matrices[new] = carried


def option_counts(index, facet: str, base: int) -> list[int]:
    """For each option of ``facet`` (in ``index.options`` order), how many providers of
    ``base`` (a bitset over the index's positions) it holds."""
    if len(index.options[facet]) <= FEW_OPTIONS:
        table = index.bits[facet]
        return [(base & table.get(option.key, 0)).bit_count() for option in index.options[facet]]
    options = matrix(index, facet)
    if not base:
        return [0] * options.shape[0]
    words = _words(base, options.shape[1])
    filled = np.flatnonzero(words)
    if len(filled) < SPARSE_SHARE * len(words):
        overlap = options[:, filled] & words[filled]
    else:
        overlap = options & words
    return np.bitwise_count(overlap).sum(axis=1, dtype=np.int64).tolist()
