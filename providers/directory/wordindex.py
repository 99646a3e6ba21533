"""The directory's word index: which published providers use each word buyers search.

Built with the facet index from the same snapshot (``providers.directory.index``) and
patched with it when providers change, so a text search costs no database query.

Words come from three fields, which give search its relevance tiers
(``providers.directory.search``):

- ``NAME``: the provider's name and its sites' regulator identifiers (FEI, DUNS, EU
  references: searched as the one number they are);
- ``CORE``: what it does and where: its types, capabilities with their synonyms and
  category, modalities with their synonyms (catalogue words: their postings are the
  facet bitsets themselves, so nothing is stored twice), the countries it is in and its
  sites' cities;
- ``SUMMARY``: its summary.

A word typed by a buyer matches every vocabulary word that starts with it or with its
English stem (Snowball, the stemmer of PostgreSQL's ``english`` configuration), and
every word whose stem starts with either: "manufacture" finds "manufacturing", "oligo"
finds "oligonucleotide". A word found nowhere is corrected against the vocabulary, never
against rows: words of ``TYPO_ONE`` letters or more match vocabulary words one edit away,
words of ``TYPO_TWO`` or more two edits away.

Postings of common words are bitsets over the index's positions (patched with the facet
bitsets); rare words keep arrays of provider ids, turned into positions when searched,
and providers changed since the index was built are kept in an overlay (their current
words), so a patch never rewrites a rare word's array. The providers' own numbers
(regulator identifiers, most of the vocabulary) are held apart, compactly
(``NumberWords``).
"""

import re
from array import array
from bisect import bisect_left, insort
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
import Stemmer

from providers.directory.bitsets import bits_from_positions
from providers.text import document_words

NAME, CORE, SUMMARY = 0, 1, 2
FIELDS = (NAME, CORE, SUMMARY)
TYPO_ONE = 4  # letters from which one edit is forgiven
TYPO_TWO = 8  # ... and two
MAX_EXPANSION = 5000  # vocabulary words one typed word may stand for
# A rare word's postings are provider ids; a word used by at least 1/DENSE_SHARE of the
# providers is a bitset (then smaller than the ids).
DENSE_SHARE = 32
# English function words that PostgreSQL's english configuration leaves out: dropped from a
# query that has other words.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with you your yours yourself
    yourselves""".split()  # noqa: SIM905 (a word list reads best as words)
)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

_stemmer = Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer.stemWord(word)


@dataclass(frozen=True)
class TextRow:
    """One provider's own searchable text (catalogue words come from its facet keys)."""

    id: int
    name: str
    summary: str
    places: str  # its sites' cities
    identifiers: str  # its sites' regulator identifiers
    # Modalities stated for the provider as a whole that none of its services serves (every
    # service states its own): not in its modality facet, but in what it says it does.
    stated: str = ""

    def fields(self) -> dict[int, set[str]]:
        return {
            NAME: set(document_words(self.name)) | set(document_words(self.identifiers)),
            CORE: set(document_words(self.places)) | set(document_words(self.stated)),
            SUMMARY: set(document_words(self.summary)),
        }

    def pairs(self) -> dict[int, set[str]]:
        """The adjacent words of its hyphenated compounds ("fill-finish": "fill finish"),
        per field: what a phrase typed with a hyphen must find."""
        return {
            NAME: compound_pairs(self.name) | compound_pairs(self.identifiers),
            CORE: compound_pairs(self.places) | compound_pairs(self.stated),
            SUMMARY: compound_pairs(self.summary),
        }

    def keys(self) -> dict[int, set[str]]:
        """Its words and its compounds' pairs of words, per field (the postings' keys)."""
        words, pairs = self.fields(), self.pairs()
        return {field_number: words[field_number] | pairs[field_number] for field_number in FIELDS}


def _stems(words: list[str], chunk: int = 4096) -> dict[str, str]:
    """Each word's stem, stemmed in chunks (one call each, short enough not to hold up
    other threads). A number (most of the vocabulary: identifiers) is its own stem."""
    found = {word: word for word in words if word.isdigit()}
    others = [word for word in words if word not in found]
    for start in range(0, len(others), chunk):
        part = others[start : start + chunk]
        found.update(zip(part, _stemmer.stemWords(part), strict=True))
    return found


def text_keys(text: str) -> frozenset[str]:
    """The postings' keys one text gives: its words and its compounds' pairs of words."""
    return frozenset(document_words(text)) | compound_pairs(text)


def _field_postings(members: dict, field_number: int, sources) -> None:
    """Add to ``members`` ((word, field) -> positions) the keys of one field, whose text
    comes from the columns ``sources``. Providers with the same text (a templated
    summary, a city) are grouped, so each distinct text is split into words once and
    its positions join each word's postings in one step."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for position, texts in enumerate(zip(*sources, strict=True)):
        found = groups.get(texts)
        if found is None:
            groups[texts] = [position]
        else:
            found.append(position)
    keys_of: dict[str, frozenset[str]] = {}
    for texts, positions in groups.items():
        keys: frozenset[str] | set[str] = frozenset()
        for text in texts:
            if not text:
                continue
            found = keys_of.get(text)
            if found is None:
                found = keys_of[text] = text_keys(text)
            keys = keys | found if keys else found
        for word in keys:
            key = (word, field_number)
            posting = members.get(key)
            if posting is None:
                members[key] = list(positions)
            else:
                posting.extend(positions)


def compound_pairs(text: str) -> set[str]:
    """Each two words next to each other in a hyphenated compound of ``text``, as "a b"
    (a space: never a word of the vocabulary)."""
    found: set[str] = set()
    if "-" not in text:  # most texts: no compound at all
        return found
    for chunk in _HYPHENATED.findall(text):
        found.update(_adjacent(document_words(chunk)))
    return found


_HYPHENATED = re.compile(r"\S*-\S*")  # the whitespace-separated chunks with a hyphen


def _adjacent(found: list[str]) -> set[str]:
    return {f"{first} {second}" for first, second in pairwise(found)}


class WordIndex:
    """The vocabulary and the postings of the providers' own words (see module docstring)."""

    def __init__(self, texts, ids: list[int], catalogue_words: dict):
        """``texts``: the providers' text as columns in position order (names, summaries,
        places, identifiers, stated modalities: the fields of ``TextRow`` after its id)."""
        size = len(ids)
        names, summaries, places, identifiers, stated = texts
        members: dict[tuple[str, int], list[int]] = {}
        for field_number, sources in (
            (NAME, (names, identifiers)),
            (CORE, (places, stated)),
            (SUMMARY, (summaries,)),
        ):
            _field_postings(members, field_number, sources)
        # The providers' own numbers (not the catalogue's: "9001" of ISO 9001), kept apart.
        numbers = {word for word, _field in members if _is_number(word)} - set(catalogue_words)
        vocabulary = {word for word, _field in members if " " not in word} - numbers
        # Pairs of words ("a b"): which words follow a word, here and in the catalogue.
        self.followers: dict[str, tuple[str, ...]] = _followers(
            (word for word, _field in members if " " in word), {word: word for word in vocabulary}
        )
        self.dense: dict[tuple[str, int], int] = {}
        self.sparse = RarePostings()
        number_positions: tuple[dict[str, list[int]], ...] = ({}, {}, {})  # per field
        while members:  # each list freed once it is turned into postings
            key, positions = members.popitem()
            if len(positions) * DENSE_SHARE >= size:
                self.dense[key] = bits_from_positions(positions, size)
                continue
            positions.sort()
            word, field_number = key
            if word in numbers:
                number_positions[field_number][word] = positions
            else:
                self.sparse.add(word, field_number, map(ids.__getitem__, positions))
        self.numbers = NumberWords(numbers, number_positions, ids)
        del number_positions
        # Providers changed since the build, and their current rare words.
        self.changed: frozenset[int] = frozenset()
        self.overlay: dict[tuple[str, int], frozenset[int]] = {}
        # word (or pair) -> the facet options whose bitsets are its postings (CORE)
        self.set_catalogue(catalogue_words)
        vocabulary |= {word for word in catalogue_words if " " not in word}
        self.sorted_words = sorted(vocabulary)
        self.stem_of = _stems(sorted(vocabulary))
        self._index_stems()
        # Words that patches added since the build, beside the built vocabulary (copying
        # a hundred thousand words for each new one cost a patch about 13 ms): sorted, with
        # their stems; the words of a stem they touched (all of them); stems that are new.
        self.added_words: list[str] = []
        self.added_stem_of: dict[str, str] = {}
        self.added_words_of_stem: dict[str, tuple[str, ...]] = {}
        self.added_stems: list[str] = []
        self._by_length: dict | None = None
        # Pairs of letters numbered as first met, for the two-edit search's masks; shared
        # by patched copies (only ever grows).
        self._pair_bits: dict[str, int] = {}

    def set_catalogue(self, catalogue_words: dict) -> None:
        self.catalogue_words = catalogue_words
        self.catalogue_followers = _followers(word for word in catalogue_words if " " in word)

    def _index_stems(self) -> None:
        words_of: dict[str, list[str]] = {}
        for word, found in self.stem_of.items():
            words_of.setdefault(found, []).append(word)
        self.words_of_stem = words_of
        self.sorted_stems = sorted(words_of)

    def nbytes(self) -> int:
        """Approximate memory of the postings (for the benchmark's size series)."""
        dense = sum((bits.bit_length() + 7) // 8 for bits in self.dense.values())
        sparse = self.sparse.nbytes()
        vocabulary = sum(60 + len(word) for word in self.stem_of) * 3
        return dense + sparse + vocabulary + self.numbers.nbytes()

    # ------------------------------------------------------------------ patching

    def patched(self, changed_rows: dict[int, TextRow | None]) -> "WordIndex":
        """A copy that knows the current words of the providers in ``changed_rows`` (None:
        no longer published). Dense bitsets are patched by the caller with the facet
        bitsets (``dense_members``); rare words go to the overlay."""
        new = object.__new__(WordIndex)
        new.__dict__.update(self.__dict__)
        changed_ids = set(changed_rows)
        overlay = {key: ids - changed_ids for key, ids in self.overlay.items() if ids - changed_ids}
        new_words: set[str] = set()
        new_pairs: set[str] = set()
        for pk, row in changed_rows.items():
            if row is None:
                continue
            for field_number, found in row.keys().items():
                for word in found:
                    key = (word, field_number)
                    if key in self.dense:
                        continue
                    overlay[key] = overlay.get(key, frozenset()) | {pk}
                    if " " in word:
                        new_pairs.add(word)
                    elif not self.is_word(word):
                        new_words.add(word)
        new.overlay = overlay
        if new_pairs:
            followers = dict(self.followers)
            for first, seconds in _followers(new_pairs).items():
                followers[first] = tuple(sorted({*followers.get(first, ()), *seconds}))
            new.followers = followers
        new.changed = self.changed | changed_ids
        if new_words:  # into copies of the few words added before, not of the vocabulary
            new.added_words = list(self.added_words)
            new.added_stem_of = dict(self.added_stem_of)
            new.added_words_of_stem = dict(self.added_words_of_stem)
            new.added_stems = list(self.added_stems)
            # The table of long words, when built, is extended: not built again on a typo.
            by_length = None if self._by_length is None else dict(self._by_length)
            for word in sorted(new_words):
                insort(new.added_words, word)
                found = new.added_stem_of[word] = stem(word)
                if found not in self.words_of_stem and found not in new.added_words_of_stem:
                    insort(new.added_stems, found)
                new.added_words_of_stem[found] = (*new.words_of(found), word)
                if by_length is not None and _two_edit_candidate(word):
                    entry = (word, self._pair_mask(word))
                    by_length[len(word)] = [*by_length.get(len(word), ()), entry]
            new._by_length = by_length
        return new

    def dense_members(self, row: TextRow | None) -> set[tuple[str, int]]:
        """The dense postings a provider with this text belongs to."""
        if row is None:
            return set()
        return {
            (word, field_number)
            for field_number, found in row.keys().items()
            for word in found
            if (word, field_number) in self.dense
        }

    # ------------------------------------------------------------------ lookup

    def is_word(self, word: str) -> bool:
        return word in self.stem_of or word in self.added_stem_of or word in self.numbers

    def vocabulary(self):
        """Every word, built and added."""
        yield from self.stem_of
        yield from self.numbers
        yield from self.added_stem_of

    def stem_of_word(self, word: str) -> str:
        """The stem of a vocabulary word (a number is its own)."""
        found = self.added_stem_of.get(word)
        return found if found is not None else self.stem_of.get(word, word)

    def words_of(self, found_stem: str, default=()):
        """The vocabulary words with this stem."""
        found = self.added_words_of_stem.get(found_stem)
        return found if found is not None else self.words_of_stem.get(found_stem, default)

    def expand(self, term: str) -> set[str]:
        """The vocabulary words a typed word stands for (see module docstring)."""
        found: set[str] = set()
        if len(term) < 2:  # a single letter matches itself only, not every word it starts
            if self.is_word(term):
                found.add(term)
            found.update(self.words_of(term))
            return found
        for start in {term, stem(term)}:
            found.update(_starting(self.sorted_words, start))
            found.update(self.numbers.starting(start))
            found.update(_starting(self.added_words, start))
            for stems in (self.sorted_stems, self.added_stems):
                for found_stem in _starting(stems, start):
                    found.update(self.words_of(found_stem))
                    if len(found) > MAX_EXPANSION:
                        return found
        if not found:
            for word in self.corrections(term):
                found.update(self.words_of(self.stem_of_word(word), (word,)))
        return found

    def corrections(self, term: str) -> set[str]:
        """Vocabulary words within the forgiven number of edits of a word found nowhere."""
        if len(term) < TYPO_ONE or term.isdigit():
            return set()
        vocabulary, added = self.stem_of, self.added_stem_of
        edits = _edits(term)
        found = {word for word in edits if word in vocabulary or word in added}
        if not term.isalpha():  # a number one edit away ("12345a": "12345")
            found.update(word for word in edits if _is_number(word) and word in self.numbers)
        if len(term) >= TYPO_TWO:
            # Two edits: vocabulary words of about the same length sharing enough pairs of
            # letters (an edit spoils at most three), then their true distance.
            needed = len(_pairs(term)) - 6
            mask = self._pair_mask(term, grow=False)  # a pair no word has counts for none
            by_length = self.long_words()
            for length in range(len(term) - 2, len(term) + 3):
                for word, word_mask in by_length.get(length, ()):
                    if (mask & word_mask).bit_count() >= needed and _distance(term, word, 2) <= 2:
                        found.add(word)
        return found

    def _pair_mask(self, word: str, grow: bool = True) -> int:
        """The pairs of letters of ``word`` as bits of an int (``_pair_bits``), so that
        the pairs two words share are counted with one AND. Ints, unlike sets, are not
        tracked by the garbage collector: a table of a hundred thousand sets was walked
        by every full collection."""
        bits = self._pair_bits
        mask = 0
        for pair in _pairs(word):
            bit = bits.get(pair)
            if bit is None:
                if not grow:
                    continue
                bit = bits[pair] = len(bits)
            mask |= 1 << bit
        return mask

    def long_words(self) -> dict[int, list[tuple[str, int]]]:
        """Long vocabulary words by length, with their pairs of letters as masks (built
        when first needed; a patch extends it)."""
        if self._by_length is None:
            by_length: dict[int, list[tuple[str, int]]] = {}
            for word in chain(self.stem_of, self.added_stem_of):  # never a number
                if _two_edit_candidate(word):
                    by_length.setdefault(len(word), []).append((word, self._pair_mask(word)))
            self._by_length = by_length
        return self._by_length

    def postings_of(self, index, term: str) -> tuple[int, int, int]:
        """Bitsets (NAME, CORE, SUMMARY) of a typed word: the union over what it stands for."""
        found = [0, 0, 0]
        for word in self.expand(term):
            for field_number, bits in enumerate(self.postings(index, word)):
                found[field_number] |= bits
        return found[NAME], found[CORE], found[SUMMARY]

    def phrase_postings(self, index, first: str, second: str) -> tuple[int, int, int]:
        """Bitsets (NAME, CORE, SUMMARY) of the providers where a word ``first`` stands for
        is followed by one ``second`` stands for: in a hyphenated compound of their own text,
        or anywhere in a catalogue text they have (PostgreSQL's ``first:* <-> second:*``)."""
        seconds = self.expand(second)
        found = [0, 0, 0]
        for word in self.expand(first):
            for follower in {
                *self.followers.get(word, ()),
                *self.catalogue_followers.get(word, ()),
            }:
                if follower in seconds:
                    for field_number, bits in enumerate(self.postings(index, f"{word} {follower}")):
                        found[field_number] |= bits
        return found[NAME], found[CORE], found[SUMMARY]

    def postings(self, index, word: str) -> tuple[int, int, int]:
        """Bitsets (NAME, CORE, SUMMARY) over ``index``'s positions of one vocabulary word."""
        found = [0, 0, 0]
        position_of = index.position_of
        changed = self.changed
        for field_number in FIELDS:
            key = (word, field_number)
            bits = self.dense.get(key)
            if bits is not None:
                found[field_number] = bits
                continue
            rare = self.sparse.get(key)
            if rare is None:
                rare = self.numbers.ids_of(word, field_number)
            positions = position_of.places([pk for pk in rare or () if pk not in changed])
            positions += position_of.places(self.overlay.get(key, ()))
            if positions:
                found[field_number] = bits_from_positions(positions, index.size)
        for facet, key in self.catalogue_words.get(word, ()):
            found[CORE] |= index.bits[facet].get(key, 0)
        return found[NAME], found[CORE], found[SUMMARY]


class RarePostings:
    """The postings of rare words: for each (word, field), the ids of the providers using
    it. All the ids are one 32-bit array, and each field maps a word to its number, whose
    span in that array ``starts`` gives. Held as a tuple key and an array object each, a
    rare word cost about 250 bytes beside its ids (about 40 MB at a million providers,
    most words found once); here about 80. Written while the index is built, read only
    after (a patch puts the changed providers' words in the overlay instead)."""

    __slots__ = ("_ids", "_numbers", "_starts")

    def __init__(self):
        self._numbers: tuple[dict[str, int], ...] = tuple({} for _field in FIELDS)
        self._starts = array("I", [0])
        self._ids = array("i")

    def add(self, word: str, field_number: int, ids) -> None:
        """A word's postings in a field (once per word and field, while building)."""
        self._numbers[field_number][word] = len(self._starts) - 1
        self._ids.extend(ids)
        self._starts.append(len(self._ids))

    def get(self, key: tuple[str, int], default=None):
        """The ids of the providers using word ``key[0]`` in field ``key[1]``."""
        word, field_number = key
        number = self._numbers[field_number].get(word)
        if number is None:
            return default
        return self._ids[self._starts[number] : self._starts[number + 1]]

    def __contains__(self, key: tuple[str, int]) -> bool:
        return key[0] in self._numbers[key[1]]

    def __iter__(self):
        """The (word, field) keys."""
        for field_number, numbers in enumerate(self._numbers):
            for word in numbers:
                yield word, field_number

    def __len__(self) -> int:
        return len(self._starts) - 1

    def nbytes(self) -> int:
        return 80 * len(self) + self._starts.itemsize * len(self._starts) + 4 * len(self._ids)


class NumberWords:
    """The numbers of the providers' own text (regulator identifiers, FEI, DUNS and EU
    references, most of them), which are most of a large directory's vocabulary and nearly
    all found in one provider each: held as one sorted array of the numbers (as ASCII
    bytes) and, per field, their postings as offsets into one array of provider ids. As a
    string, a stem, a dict entry and an ids array each, they were about two thirds of the
    index's memory. Names and summaries hold postings for few of the numbers (the
    identifiers are in the core text), so such a field keeps the places of the numbers it
    holds beside their offsets; the core text, which holds nearly all of them, keeps an
    offset for every number. All as 32-bit ints. A number is its own stem and is never
    corrected as a typo."""

    def __init__(self, words: set[str], positions: tuple[dict[str, list[int]], ...], ids):
        """``positions``: per field, each number's index positions (ascending); ``ids``:
        the provider id at each position."""
        ordered = sorted(words)
        self.words = np.array([word.encode() for word in ordered], dtype=bytes)
        self.width = self.words.dtype.itemsize
        id_at = np.array(ids, dtype=np.int64)
        # Per field: the places of the numbers it holds, or None when it holds most of them
        # (the core text): then every number has a start, an empty run where it is not held.
        self.held: list[np.ndarray | None] = []
        self.starts: list[np.ndarray] = []  # per field: where each one's ids start
        self.ids: list[np.ndarray] = []
        for table in positions:
            found = [table.get(word) or () for word in ordered]
            held = [place for place, postings in enumerate(found) if postings]
            if 2 * len(held) > len(ordered):
                self.held.append(None)
            else:
                self.held.append(np.array(held, dtype=np.int32))
                found = [found[place] for place in held]
            starts = np.zeros(len(found) + 1, dtype=np.int32)
            np.cumsum([len(postings) for postings in found], out=starts[1:])
            places = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(starts[-1]))
            self.starts.append(starts)
            self.ids.append(id_at[places].astype(np.int32))

    def __len__(self) -> int:
        return len(self.words)

    def __iter__(self):
        return (word.decode() for word in self.words.tolist())

    def __contains__(self, word: str) -> bool:
        return self._place(word) >= 0

    def _place(self, word: str) -> int:
        """The number's place in ``words``, or -1."""
        if not _is_number(word) or len(word) > self.width:
            return -1
        key = word.encode()
        place = int(np.searchsorted(self.words, key))
        return place if place < len(self.words) and self.words[place] == key else -1

    def starting(self, start: str) -> list[str]:
        """The numbers that start with ``start``."""
        if not _is_number(start) or len(start) > self.width:
            return []
        key = start.encode()
        low = int(np.searchsorted(self.words, key))
        if len(key) == self.width:  # only the number itself is that long
            high = int(np.searchsorted(self.words, key, side="right"))
        else:
            high = int(np.searchsorted(self.words, key + b"\xff"))
        return [word.decode() for word in self.words[low:high].tolist()]

    def ids_of(self, word: str, field_number: int) -> list[int] | None:
        """The ids of the providers whose ``field_number`` holds the number (None: none)."""
        place = self._place(word)
        if place < 0:
            return None
        held = self.held[field_number]
        if held is None:
            at = place
        else:
            at = int(np.searchsorted(held, place))
            if at == len(held) or held[at] != place:
                return None
        starts = self.starts[field_number]
        return self.ids[field_number][starts[at] : starts[at + 1]].tolist() or None

    def nbytes(self) -> int:
        arrays = (*self.held, *self.starts, *self.ids)
        return self.words.nbytes + sum(a.nbytes for a in arrays if a is not None)


def _followers(pairs, words: dict[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """ "a b" pairs as each first word's following words, sorted. A following word is the
    string ``words`` holds for it when it has one (the vocabulary's own), not a copy made
    by splitting the pair: as frozensets of copies, the followers held about 11.5 MB at a
    million providers, as tuples of shared words 6.6 MB (numbers are not in the vocabulary
    and stay copies)."""
    words = words or {}
    found: dict[str, set[str]] = {}
    for pair in pairs:
        first, second = pair.split(" ")
        found.setdefault(words.get(first, first), set()).add(words.get(second, second))
    return {first: tuple(sorted(seconds)) for first, seconds in found.items()}


def _is_number(word: str) -> bool:
    return word.isascii() and word.isdigit()


def _starting(sorted_words: list[str], start: str) -> list[str]:
    low = bisect_left(sorted_words, start)
    high = bisect_left(sorted_words, start + "\U0010ffff", low)
    return sorted_words[low:high]


def _pairs(word: str) -> frozenset[str]:
    return frozenset(word[i : i + 2] for i in range(len(word) - 1))


def _two_edit_candidate(word: str) -> bool:
    """Whether a vocabulary word can be two edits from a typed word of ``TYPO_TWO``."""
    return len(word) >= TYPO_TWO - 2 and not word.isdigit()


def _edits(word: str) -> set[str]:
    """Strings one deletion, transposition, substitution or insertion away."""
    letters = _ALPHABET + "".join(set(word) - set(_ALPHABET))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {left + right[1:] for left, right in splits if right}
    found.update(left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1)
    for left, right in splits:
        for letter in letters:
            found.add(left + letter + right)
            if right:
                found.add(left + letter + right[1:])
    found.discard(word)
    return found


def _distance(first: str, second: str, limit: int) -> int:
    """Levenshtein distance (with transpositions), or ``limit + 1`` once past ``limit``."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(second) + 1))
    for i, left in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, right in enumerate(second, 1):
            cost = 0 if left == right else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and left == second[j - 2]
                and first[i - 2] == right
                and previous_previous
            ):
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def catalogue_words(catalogue, country_codes) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each word of the catalogue (types, capabilities with synonyms and category,
    modalities with synonyms) and of country names, and each two adjacent words ("a b"),
    with the facet options it names."""
    from django_countries import countries as country_names

    found: dict[str, set[tuple[str, str]]] = {}

    def add(text: str, facet: str, key: str) -> None:
        # Its words, and each two words next to each other (as "a b": a phrase's postings).
        found_words = document_words(text or "")
        for word in {*found_words, *_adjacent(found_words)}:
            found.setdefault(word, set()).add((facet, key))

    for row in catalogue.types.values():
        add(f"{row.code} {row.name} {row.synonyms}", "type", row.slug)
    categories = catalogue.categories
    for row in catalogue.capabilities.values():
        category = categories.get(row.category_id)
        add(
            f"{row.name} {row.synonyms} {category.name if category else ''}",
            "capability",
            row.slug,
        )
    for row in catalogue.modalities.values():
        add(f"{row.name} {row.synonyms}", "modality", row.slug)
    for code in country_codes:
        add(str(country_names.name(code) or ""), "country", code)
    return {word: tuple(sorted(options)) for word, options in found.items()}
