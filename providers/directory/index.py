"""The directory's facet index: per filter option, the set of matching published providers.

Each set is a bitset held in a Python ``int``: bit *i* stands for the *i*-th published
provider in name order. Filtering is AND / OR of bitsets and a facet count is
``(candidates & option).bit_count()``, so every count on the page costs microseconds
whatever the number of providers. A page in "recently checked" order re-expresses its
matching set in that order (``DirectoryIndex.to_verified``).

The index is built from the derived columns (``providers.derived``) of published
providers, with the word index of text search (``wordindex.py``), and cached per process.
When the ``DirectoryVersion`` token, which changes in the same transaction as any
buyer-visible change, differs from the one it was built at (one single-row query per
request), the providers the change log names are patched into a copy of the index
(``update_index``), or, after a catalogue or bulk change, a new index is built beside it.

The inspection filters ("FDA NAI or VAI within 3 years", "no adverse outcome within 5
years") depend on the day as well as the data: the index reads the dates of each
provider's latest acceptable and adverse inspection and decides them against the day it
is built, and it is rebuilt on the first request of a new day (by gunicorn's master, for
workers that share its index: ``providers.directory.shared``).
"""

import ctypes
import ctypes.util
import datetime
import gc
import logging
import os
import pickle
import queue
import threading
import time
from array import array
from bisect import bisect_left
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Prefetch
from django.utils import timezone

from config.routing import buyer_reads
from lifecycle.models import Phase, Stage, Track
from providers import regions
from providers.directory import child_build, counting, heartbeat
from providers.directory.bitsets import bits_from_positions
from providers.directory.matching import ServiceTable
from providers.directory.memo import DIRECTORY_ANSWERS, FACET_OPTIONS, OPTION_COUNTS, QUERY_CARDS
from providers.directory.positions import Positions, id_array
from providers.directory.wordindex import TextRow, WordIndex, catalogue_words
from providers.evidence import VerificationState
from providers.models import (
    DERIVED_ARRAY_FIELDS,
    PUBLISHED,
    Capability,
    CapabilityCategory,
    Certification,
    Industry,
    Modality,
    ProviderType,
)
from providers.reads import read_connection
from providers.regulatory import ACCEPTABLE_WITHIN_YEARS, ADVERSE_WITHIN_YEARS, years_before

COMPILED = VerificationState.COMPILED.value


def verified_key(row: tuple) -> int:
    """The "recently checked" order of an index row as one integer: records a person
    checked or confirmed, newest first, then compiled ones (nobody checked them), newest
    first; undated last in each group."""
    return _verified_key(row[1], row[9])


def _verified_key(state_on: int | None, state: str) -> int:
    return (state == COMPILED) << 41 | (state_on is None) << 40 | ((1 << 40) - 1 - (state_on or 0))


# Facets whose options are OR-ed (any of the chosen options) ...
ANY_OF = (
    "type",
    "stage",
    "phase",
    "modality",
    "industry",
    "region",
    "country",
    "certification",
)
# ... and those whose options must all hold (offers every chosen capability, meets every
# chosen inspection condition).
ALL_OF = ("capability", "inspection")
# The inspection facet's options: key -> label.
INSPECTION_OPTIONS = {
    "fda-acceptable": f"FDA NAI or VAI within {ACCEPTABLE_WITHIN_YEARS} years",
    "no-adverse": (f"No OAI, warning letter or non-compliance within {ADVERSE_WITHIN_YEARS} years"),
    "eu-gmp-certificate": "EU GMP certificate",
}
FACETS = ANY_OF + ALL_OF


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    group: str = ""
    pk: int | None = None
    description: str = ""


@dataclass
class DirectoryCatalogue:
    """Labels and lookups for everything a directory page shows, loaded with the index."""

    stages: list
    phases: list
    types: dict[int, ProviderType]
    capabilities: dict[int, Capability]
    categories: dict[int, CapabilityCategory]
    modalities: dict[int, Modality]
    industries: dict[int, Industry]
    certifications: dict[int, Certification]
    phase_by_position: dict[int, Phase] = field(default_factory=dict)
    phase_by_slug: dict[str, Phase] = field(default_factory=dict)
    tracks: list[Track] = field(default_factory=list)  # industries' tracks, in order
    # Markup that depends on the catalogue and on the values in its key only (labels, tags,
    # strips): it stays true while the catalogue does, so a patched index keeps it.
    html_cache: dict = field(default_factory=dict)


class DirectoryIndex:
    """Bitsets for every filter option over the published providers (see module docstring)."""

    def __init__(
        self,
        token: str,
        columns: "IndexColumns",
        catalogue: DirectoryCatalogue,
        built_on: datetime.date | None = None,
    ):
        """``columns``: the rows of ``INDEX_SQL`` as columns (``_read_columns``); the index
        is built a column at a time."""
        self.token = token
        self.watermark = Watermark()
        self.built_on = built_on or timezone.localdate()
        # When a full build made it: a patched copy keeps it (providers.directory.shared
        # starts new workers from the master's index when this changes).
        self.built_at = time.time()
        self.catalogue = catalogue
        # Markup that depends on the providers (counts): this index's own, never a copy's.
        self.html_cache: dict = {}
        column, groups = columns.values, columns.groups
        # Ids and ranks in arrays, positions in an array by id (positions.py): not a
        # hundred thousand Python ints each, made among the build's rows.
        self.ids = ids = id_array(column["id"])
        self.size = size = columns.size
        self.position_of = Positions.of(ids)
        # Each provider's fixed card markup (providers.directory.cards.directory_cards),
        # bounded there; patched() drops the changed providers' entries.
        self.provider_cache: dict = {}
        # Card rows with their services (cards.full_rows), bounded and patched the same way.
        self.row_cache: dict = {}
        # "Recently checked": records a person checked or confirmed, newest first, then
        # compiled ones (nobody checked them), newest first. The same order as one small
        # int per provider (name position breaks ties), so a patch can place a changed
        # provider by binary search.
        self.verified_keys = array("q", map(_verified_key, column["state_on"], column["state"]))
        verified_order = sorted(range(size), key=self.verified_keys.__getitem__)
        self.ids_by_verified = array(ids.typecode, map(ids.__getitem__, verified_order))
        # provider id -> verified position (kept so that a patch moves only what moved)
        self.verified_position = Positions.of(self.ids_by_verified)
        # rank[name position] = verified position
        rank = array("i", bytes(4 * size))  # positions: 32 bits hold them
        deque(map(rank.__setitem__, verified_order, range(size)), maxlen=0)
        self.rank = rank

        self._prepare_members()
        # In name order only: a page in "recently checked" order re-expresses its matching
        # set (to_verified) rather than every bitset being kept twice.
        self.bits: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        for (facet, key), positions in self._column_members(column, groups).items():
            self.bits[facet][key] = bits_from_positions(positions, size)
        _add_regions(self.bits)
        self.all = (1 << size) - 1
        self._build_trust(column, groups)
        # The lists' groups are read: their memory goes before the word index takes its
        # own (the build's peak was both together).
        groups.clear()
        # Each published provider's services, for service-level matching (see matching.py).
        self.services = columns.services
        self.options = self._options()
        self.known_keys = {
            facet: frozenset(option.key for option in options)
            for facet, options in self.options.items()
        }
        self.words = WordIndex(
            [column[name] for name in TEXT_COLUMNS],
            ids,
            catalogue_words(catalogue, self.bits["country"]),
        )

    def nbytes(self) -> int:
        """Approximate memory of the bitsets, service table and word index."""
        tables = [*self.bits.values(), self.backed_capability]
        bitsets = sum((bits.bit_length() + 7) // 8 for table in tables for bits in table.values())
        arrays = [self.ids, self.ids_by_verified, self.rank, self.verified_keys, self.checked_on]
        lists = sum(items.itemsize * len(items) for items in arrays)
        lists += self.position_of.nbytes() + self.verified_position.nbytes()
        return bitsets + lists + self.services.nbytes() + self.words.nbytes()

    # ------------------------------------------------------------------ patching
    # A change to a few providers is applied to a copy of the index (requests keep reading
    # the old one until the copy is installed): each changed provider leaves its old
    # positions and enters at its new ones in every bitset and list, in name order and in
    # "recently checked" order.

    def forget_rendered(self) -> None:
        """Empty the card caches and the memos (tests use it to count a page's own
        queries)."""
        self.provider_cache.clear()
        self.row_cache.clear()
        self.html_cache.clear()

    def patched(self, token: str, changes: "Changes") -> "DirectoryIndex":
        new = object.__new__(DirectoryIndex)
        new.__dict__.update(self.__dict__)
        new.token = token
        changed = changes.ids
        new.html_cache = _kept_memos(self.html_cache, changed)
        new.provider_cache = self.provider_cache.copy()  # one C call: safe beside requests
        new.row_cache = self.row_cache.copy()
        for pk in changed:
            new.provider_cache.pop(pk, None)
            new.row_cache.pop(pk, None)
        rows = changes.rows
        removed = sorted(
            (self.position_of[pk] for pk in changed if pk in self.position_of), reverse=True
        )
        removed_verified = sorted((self.rank[position] for position in removed), reverse=True)
        inserted = sorted((changes.positions[pk], pk) for pk in rows)

        ids = _edited(self.ids, removed, inserted)
        checked_on = _edited(
            self.checked_on,
            removed,
            [(p, (rows[pk][1] or 0) if rows[pk][9] != COMPILED else 0) for p, pk in inserted],
        )
        keys = _edited(
            self.verified_keys, removed, [(p, verified_key(rows[pk])) for p, pk in inserted]
        )
        gone = [pk for pk in changed if pk in self.position_of and pk not in rows]
        position_of = _moved(self.position_of, ids, gone, removed, [p for p, _pk in inserted])
        if ids is self.ids and keys is self.verified_keys:
            # Nothing moved in name order and no "recently checked" key changed: neither
            # order changed, and the lists are shared rather than copied.
            by_verified = self.ids_by_verified
            inserted_verified = [(place, self.ids_by_verified[place]) for place in removed_verified]
            inserted_verified.reverse()  # ascending
        else:
            by_verified = self.ids_by_verified[:]
            for position in removed_verified:
                del by_verified[position]

            def full_key(pk):
                position = position_of[pk]
                return keys[position], position

            inserted_verified = []
            for pk in sorted(rows, key=full_key):  # ascending: earlier places stay put
                position = bisect_left(by_verified, full_key(pk), key=full_key)
                by_verified.insert(position, pk)
                inserted_verified.append((position, pk))
        members = {pk: self._row_members(row) for pk, row in rows.items()}
        backed = {
            pk: {self._slug_of["capability"].get(c) for c in row[10]} for pk, row in rows.items()
        }

        def remap(bits: int, removals, insertions, member) -> int:
            if len(removals) == 1 and len(insertions) == 1 and removals[0] == insertions[0][0]:
                # One provider changed in place (the most common edit): its bit alone, and
                # the same int when that bit stays (no copy of a bitset it leaves alone).
                position, pk = insertions[0]
                if bool(bits >> position & 1) == bool(member(pk)):
                    return bits
                return bits ^ (1 << position)
            for position in removals:
                bits = (bits & ((1 << position) - 1)) | ((bits >> (position + 1)) << position)
            for position, pk in insertions:
                bits = (bits & ((1 << position) - 1)) | ((bits >> position) << (position + 1))
                if member(pk):
                    bits |= 1 << position
            return bits

        def remap_table(table: dict, facet: str | None, removals, insertions, test) -> dict:
            keys = set(table)
            for pk in rows:
                keys.update(key for found_facet, key in members[pk] if found_facet == facet)
            result = {}
            for key in keys:
                bits = remap(
                    table.get(key, 0), removals, insertions, lambda pk, key=key: test(pk, key)
                )
                if bits or facet not in ("country", None):
                    result[key] = bits
            return result

        def in_facet(facet):
            return lambda pk, key: (facet, key) in members[pk]

        new.bits = {
            facet: remap_table(self.bits[facet], facet, removed, inserted, in_facet(facet))
            for facet in FACETS
            if facet != "region"
        }
        _add_regions(new.bits)

        def is_backed(pk, slug):
            return slug in backed[pk]

        new.backed_capability = {
            slug: remap(bits, removed, inserted, lambda pk, slug=slug: is_backed(pk, slug))
            for slug, bits in self.backed_capability.items()
        }
        for pk in rows:  # a capability backed for the first time
            for slug in backed[pk] - set(new.backed_capability) - {None}:
                new.backed_capability[slug] = remap(
                    0, (), inserted, lambda p, s=slug: is_backed(p, s)
                )

        def any_backed(pk):
            return bool(rows[pk][10])

        new.backed_any = remap(self.backed_any, removed, inserted, any_backed)

        new.ids, new.checked_on, new.ids_by_verified = ids, checked_on, by_verified
        new.verified_keys = keys
        new.size = len(ids)
        new.all = (1 << new.size) - 1
        new.position_of = position_of
        new.verified_position = verified_position = _moved(
            self.verified_position,
            by_verified,
            gone,
            removed_verified,
            [place for place, _pk in inserted_verified],
        )
        # Each name position's place in "recently checked" order: only the positions whose
        # provider moved in either order are looked up again.
        if by_verified is self.ids_by_verified:
            new.rank = self.rank  # neither order changed
        else:
            rank = self.rank[:]
            for position in removed:
                del rank[position]
            for position, _pk in inserted:
                rank.insert(position, 0)
            for position in _span(removed, [p for p, _pk in inserted], len(ids)):
                rank[position] = verified_position[ids[position]]
            for place in _span(removed_verified, [p for p, _pk in inserted_verified], len(ids)):
                rank[position_of[by_verified[place]]] = place
            new.rank = rank
        new._age_masks = {}

        new.services = self.services.patched(
            removed, [(position, _services_of(rows[pk])) for position, pk in inserted]
        )
        texts = {pk: _text_of(rows[pk]) for pk in rows}
        words = self.words.patched({pk: texts.get(pk) for pk in changed})
        dense_members = {pk: words.dense_members(texts[pk]) for pk in rows}
        words.dense = {
            key: remap(bits, removed, inserted, lambda pk, key=key: key in dense_members[pk])
            for key, bits in self.words.dense.items()
        }
        countries_changed = set(new.bits["country"]) != set(self.bits["country"])
        if countries_changed:
            words.set_catalogue(catalogue_words(self.catalogue, new.bits["country"]))
        new.words = words
        if countries_changed:
            # A country entered or left: its options (and its region's) are listed again.
            # Otherwise they are the catalogue's and stay (listing the countries' names
            # cost a patch about 4 ms).
            new.options = new._options()
            new.known_keys = {
                facet: frozenset(option.key for option in options)
                for facet, options in new.options.items()
            }
        counting.carry_over(self, new)
        if self._answers_hold(new):
            new.html_cache.update(_kept_answers(self.html_cache, changed))
        return new

    def _answers_hold(self, new: "DirectoryIndex") -> bool:
        """Whether every answer without a text search still holds in ``new`` but for the
        changed providers' own cards: no provider moved in either order, every bitset of
        facets and evidence (by identity: a patch keeps the same int where nothing changed),
        the check dates and the service table are the old ones (an edit of a summary, a
        site's city, most edits). The words may have changed: answers with a text search
        are not kept (``_kept_answers``)."""
        if not (
            new.ids is self.ids
            and new.ids_by_verified is self.ids_by_verified
            and new.services is self.services
            and new.checked_on is self.checked_on
            and new.options is self.options
            and new.backed_any is self.backed_any
        ):
            return False
        tables = [(new.backed_capability, self.backed_capability)]
        for facet in FACETS:
            if facet != "region":  # made again from the countries' bitsets, which are checked
                tables += [(new.bits[facet], self.bits[facet])]
        return all(
            mine.keys() == theirs.keys() and all(mine[key] is theirs[key] for key in mine)
            for mine, theirs in tables
        )

    def _prepare_members(self) -> None:
        catalogue = self.catalogue
        self._stage_of_phase = {phase.position: phase.stage.slug for phase in catalogue.phases}
        self._slug_of = {
            "type": {pk: row.slug for pk, row in catalogue.types.items()},
            "capability": {pk: row.slug for pk, row in catalogue.capabilities.items()},
            "modality": {pk: row.slug for pk, row in catalogue.modalities.items()},
            "industry": {pk: row.slug for pk, row in catalogue.industries.items()},
            "certification": {pk: row.slug for pk, row in catalogue.certifications.items()},
        }
        self._phase_slug = {phase.position: phase.slug for phase in catalogue.phases}
        self._acceptable_since = years_before(self.built_on, ACCEPTABLE_WITHIN_YEARS)
        self._adverse_since = years_before(self.built_on, ADVERSE_WITHIN_YEARS)

    def _row_members(self, row: tuple) -> set[tuple[str, str]]:
        """The facet options (facet, key) one index row belongs to."""
        found: set[tuple[str, str]] = set()
        slug_of = self._slug_of
        types, phases, capabilities, modalities, industries, certs, countries = row[2:9]
        flags, acceptable_on, adverse_on = row[11:14] if len(row) > 11 else ((), None, None)
        if acceptable_on is not None and acceptable_on >= self._acceptable_since:
            found.add(("inspection", "fda-acceptable"))
        if adverse_on is None or adverse_on < self._adverse_since:
            found.add(("inspection", "no-adverse"))
        if "eu-gmp-certificate" in (flags or ()):
            found.add(("inspection", "eu-gmp-certificate"))
        for pk in types:
            found.add(("type", slug_of["type"].get(pk)))
        for number in phases:
            found.add(("phase", self._phase_slug.get(number)))
            found.add(("stage", self._stage_of_phase.get(number)))
        for pk in capabilities:
            found.add(("capability", slug_of["capability"].get(pk)))
        for pk in modalities:
            found.add(("modality", slug_of["modality"].get(pk)))
        for pk in industries:
            found.add(("industry", slug_of["industry"].get(pk)))
        for pk in certs:
            found.add(("certification", slug_of["certification"].get(pk)))
        for code in countries:
            found.add(("country", code))
        return {option for option in found if option[1] is not None}

    def _column_members(self, column: dict, groups: dict) -> dict[tuple[str, str], list[int]]:
        """The positions of the providers in each facet option (facet, key), read a column
        at a time (the rule of ``_row_members``, for every row at once). A position may
        appear twice in an option (two phases of one stage): a bitset does not mind."""
        found: dict[tuple[str, str], list[int]] = {}

        def add(facet: str, name: str, key_of) -> None:
            for value, positions in _positions_by_value(groups[name]).items():
                key = key_of(value)
                if key is None:
                    continue
                known = found.get((facet, key))
                if known is None:
                    found[facet, key] = positions
                else:
                    known.extend(positions)

        slug_of = self._slug_of
        add("type", "type_ids", slug_of["type"].get)
        add("phase", "phase_positions", self._phase_slug.get)
        add("stage", "phase_positions", self._stage_of_phase.get)
        add("capability", "capability_ids", slug_of["capability"].get)
        add("modality", "modality_ids", slug_of["modality"].get)
        add("industry", "industry_ids", slug_of["industry"].get)
        add("certification", "certification_ids", slug_of["certification"].get)
        add("country", "countries", lambda code: code)
        acceptable_since, adverse_since = self._acceptable_since, self._adverse_since
        inspection = {
            "fda-acceptable": [
                position
                for position, on in enumerate(column["fda_acceptable_on"])
                if on is not None and on >= acceptable_since
            ],
            "no-adverse": [
                position
                for position, on in enumerate(column["adverse_on"])
                if on is None or on < adverse_since
            ],
            "eu-gmp-certificate": [
                position
                for flags, positions in groups["inspection_flags"].items()
                if "eu-gmp-certificate" in flags
                for position in positions
            ],
        }
        for key, positions in inspection.items():
            if positions:
                found["inspection", key] = positions
        return found

    def _options(self) -> dict[str, list[Option]]:
        from django_countries import countries as country_names

        catalogue = self.catalogue
        categories = catalogue.categories
        options = {
            "type": [
                Option(row.slug, row.code, pk=pk, description=row.name)
                for pk, row in catalogue.types.items()
            ],
            "stage": [Option(stage.slug, stage.name, pk=stage.pk) for stage in catalogue.stages],
            # Grouped by track, then stage: "Crop protection: Development".
            "phase": [
                Option(
                    phase.slug,
                    phase.name,
                    group=f"{phase.track.name}: {phase.stage.name}",
                    pk=phase.position,
                )
                for phase in catalogue.phases
            ],
            "capability": [
                Option(row.slug, row.name, group=categories[row.category_id].name, pk=pk)
                for pk, row in catalogue.capabilities.items()
            ],
            "modality": [
                Option(row.slug, row.name, pk=pk) for pk, row in catalogue.modalities.items()
            ],
            "industry": [
                Option(row.slug, row.name, pk=pk) for pk, row in catalogue.industries.items()
            ],
            "certification": [
                Option(row.slug, row.name, pk=pk) for pk, row in catalogue.certifications.items()
            ],
            "inspection": [Option(key, label) for key, label in INSPECTION_OPTIONS.items()],
            "region": [
                Option(slug, regions.LABELS[slug])
                for slug in regions.ORDER
                if slug in self.bits["region"]
            ],
            "country": sorted(
                (
                    Option(
                        code,
                        str(country_names.name(code) or code),
                        group=regions.LABELS[regions.region_of(code)],
                    )
                    for code in self.bits["country"]
                ),
                key=lambda option: (
                    regions.ORDER.index(regions.region_of(option.key)),
                    option.label,
                ),
            ),
        }
        return options

    # ------------------------------------------------------------------ trust filters
    # Kept apart from the facets: services backed by evidence, and the age of a check.

    def _build_trust(self, column: dict, groups: dict) -> None:
        # The day a person checked each provider (a day number), 0 for none.
        self.checked_on = array(
            "i",
            [
                (on or 0) if state != COMPILED else 0
                for on, state in zip(column["state_on"], column["state"], strict=True)
            ],
        )
        capability_slug = self._slug_of["capability"]
        backed: dict[str, list[int]] = {}
        for pk, positions in _positions_by_value(groups["backed_capability_ids"]).items():
            slug = capability_slug.get(pk)
            if slug is not None:
                backed.setdefault(slug, []).extend(positions)
        any_backed = [
            position
            for positions in groups["backed_capability_ids"].values()
            for position in positions
        ]
        self.backed_capability = {
            slug: bits_from_positions(positions, self.size) for slug, positions in backed.items()
        }
        self.backed_any = bits_from_positions(any_backed, self.size)
        self._age_masks: dict[tuple, int] = {}

    def evidence_mask(self, capabilities: list[str]) -> int:
        """Providers whose services for every chosen capability carry evidence; with no
        capability chosen, providers with at least one service carrying evidence."""
        if not capabilities:
            return self.backed_any
        mask = self.all
        for slug in capabilities:
            mask &= self.backed_capability.get(slug, 0)
        return mask

    def checked_within_mask(self, months: int, today) -> int:
        """Providers checked (or confirmed) by a person within ``months`` of ``today``."""
        key = (months, today)
        mask = self._age_masks.get(key)
        if mask is None:
            year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
            day = min(today.day, 28)
            cutoff = today.replace(year=year, month=month + 1, day=day).toordinal()
            positions = [p for p, on in enumerate(self.checked_on) if on and on >= cutoff]
            mask = self._age_masks[key] = bits_from_positions(positions, self.size)
        return mask

    def known(self, facet: str) -> frozenset[str]:
        return self.known_keys[facet]

    def facet_mask(self, facet: str, keys: list[str], every: bool = True) -> int:
        table = self.bits[facet]
        if facet in ALL_OF and every:
            mask = self.all
            for key in keys:
                mask &= table.get(key, 0)
            return mask
        mask = 0
        for key in keys:
            mask |= table.get(key, 0)
        return mask

    def coverage_mask(self, first: int, last: int) -> int:
        """Providers serving every phase from ``first`` through ``last`` (positions)."""
        table = self.bits["phase"]
        mask = self.all
        for phase in self.catalogue.phases:
            if first <= phase.position <= last:
                mask &= table.get(phase.slug, 0)
        return mask

    def to_verified(self, bits: int) -> int:
        """``bits`` (name order) in "recently checked" order: bit ``rank[p]`` for each bit
        ``p``. One scatter in numpy (about 0.4 ms at 100,000 providers, 4 ms at a million,
        against 30 times that bit by bit in Python); the index keeps no second copy of its
        bitsets in that order."""
        size = self.size
        if not bits or not size:
            return 0
        members = np.unpackbits(
            np.frombuffer(bits.to_bytes((size + 7) // 8, "little"), dtype=np.uint8),
            count=size,
            bitorder="little",
        )
        ordered = np.zeros(size, dtype=np.uint8)
        ordered[np.frombuffer(self.rank, dtype=np.int32)] = members
        return int.from_bytes(np.packbits(ordered, bitorder="little").tobytes(), "little")


def _add_regions(bits: dict[str, dict[str, int]]) -> None:
    """A region's bitset is the union of its countries'."""
    table = bits["region"] = {}
    for code, found in bits["country"].items():
        region = regions.region_of(code)
        table[region] = table.get(region, 0) | found


def _load_catalogue(alias: str) -> DirectoryCatalogue:
    phases = list(Phase.objects.using(alias).select_related("stage", "track"))
    catalogue = DirectoryCatalogue(
        stages=list(Stage.objects.using(alias)),
        phases=phases,
        types={
            row.pk: row
            # The prefetch names its connection: left to the router, it follows the request
            # (a child building for buyers' replica has none, and asked the primary).
            for row in ProviderType.objects.using(alias).prefetch_related(
                Prefetch("typical_stages", queryset=Stage.objects.using(alias))
            )
        },
        capabilities={
            row.pk: row
            for row in Capability.objects.using(alias).order_by("category__position", "name")
        },
        categories={row.pk: row for row in CapabilityCategory.objects.using(alias)},
        modalities={row.pk: row for row in Modality.objects.using(alias)},
        industries={row.pk: row for row in Industry.objects.using(alias)},
        certifications={row.pk: row for row in Certification.objects.using(alias)},
    )
    catalogue.phase_by_position = {phase.position: phase for phase in phases}
    catalogue.phase_by_slug = {phase.slug: phase for phase in phases}
    catalogue.tracks = list(Track.objects.using(alias))
    return catalogue


# Everything the index reads of the published providers, one row each in name order,
# aggregated per provider in one pass over each table (no query per row):
# - the derived facet columns (providers.derived);
# - its own searchable text (the word index; catalogue words come from the facet columns):
#   name, summary, its sites' cities, its sites' regulator identifiers (apart: identifiers
#   written in groups of digits are joined into one number each), and the modalities
#   stated for it that none of its services serves;
# - its services as columns: capability, phase range, modalities (the rule of
#   providers.derived.SERVICE_MODALITIES_SQL: the service's own, else the provider's
#   stated ones) and the countries of the sites where it is done (NULL: not stated; the
#   provider's own countries stand in), both as comma-separated text.
# {only} narrows it to some providers (a patch: "= ANY(%(ids)s)") in every part, so a patch
# reads its providers with the very query of a full build.
_INDEX_SQL = """
WITH places AS (
    SELECT site.provider_id, string_agg(site.city, ' ' ORDER BY site.id) AS cities
    FROM providers_site AS site
    WHERE site.provider_id {only}
    GROUP BY site.provider_id
), identifiers AS (
    SELECT site.provider_id, string_agg(ident.value, ' ; ' ORDER BY ident.id) AS value
    FROM providers_siteidentity AS ident JOIN providers_site AS site ON site.id = ident.site_id
    WHERE site.provider_id {only}
    GROUP BY site.provider_id
), stated AS (
    SELECT m.provider_id,
           array_to_string(array_agg(m.modality_id ORDER BY m.modality_id), ',') AS ids,
           string_agg(mo.name || ' ' || mo.synonyms, ' ' ORDER BY mo.id)
               FILTER (WHERE m.modality_id <> ALL(p.modality_ids)) AS text
    FROM providers_provider_modalities AS m
    JOIN providers_provider AS p ON p.id = m.provider_id
    JOIN providers_modality AS mo ON mo.id = m.modality_id
    WHERE m.provider_id {only}
    GROUP BY m.provider_id
), own AS (
    SELECT sm.service_id,
           array_to_string(array_agg(sm.modality_id ORDER BY sm.modality_id), ',') AS ids
    FROM providers_service_modalities AS sm
    JOIN providers_service AS s ON s.id = sm.service_id
    WHERE s.provider_id {only}
    GROUP BY sm.service_id
), placed AS (
    SELECT ss.service_id,
           array_to_string(array_agg(DISTINCT site.country ORDER BY site.country), ',') AS codes
    FROM providers_service_sites AS ss
    JOIN providers_site AS site ON site.id = ss.site_id
    JOIN providers_service AS s ON s.id = ss.service_id
    WHERE s.provider_id {only}
    GROUP BY ss.service_id
), services AS (
    -- The five arrays take the same rows in the same order (the subquery's: by service),
    -- so they stay aligned without sorting each one.
    SELECT provider_id, array_agg(capability_id) AS capabilities,
           array_agg(first_phase_id) AS firsts, array_agg(last_phase_id) AS lasts,
           array_agg(modalities) AS modalities, array_agg(places) AS places
    FROM (
        SELECT s.provider_id, s.capability_id, s.first_phase_id, s.last_phase_id,
               coalesce(own.ids, stated.ids, '') AS modalities, placed.codes AS places
        FROM providers_service AS s
        LEFT JOIN own ON own.service_id = s.id
        LEFT JOIN placed ON placed.service_id = s.id
        LEFT JOIN stated ON stated.provider_id = s.provider_id
        WHERE s.provider_id {only}
        ORDER BY s.provider_id, s.id
    ) AS service
    GROUP BY provider_id
)
SELECT p.id, p.state_on, p.type_ids, p.phase_positions, p.capability_ids, p.modality_ids,
       p.industry_ids, p.certification_ids, p.countries, p.state, p.backed_capability_ids,
       p.inspection_flags, p.fda_acceptable_on, p.adverse_on,
       p.name, coalesce(p.summary, ''), coalesce(places.cities, ''),
       coalesce(identifiers.value, ''), coalesce(stated.text, ''),
       services.capabilities, services.firsts, services.lasts, services.modalities,
       services.places
FROM providers_provider AS p
LEFT JOIN places ON places.provider_id = p.id
LEFT JOIN identifiers ON identifiers.provider_id = p.id
LEFT JOIN stated ON stated.provider_id = p.id
LEFT JOIN services ON services.provider_id = p.id
WHERE p.status = %(published)s AND p.id {only}
ORDER BY lower(p.name), p.id
"""
INDEX_SQL = _INDEX_SQL.replace("{only}", "IS NOT NULL")  # every published provider
INDEX_IDS_SQL = _INDEX_SQL.replace("{only}", "= ANY(%(ids)s)")  # only those in ids
INDEX_PARAMS = {"published": PUBLISHED}
INDEX_COLUMNS = (
    "id",
    "state_on",  # as a day number (date.toordinal())
    "type_ids",
    "phase_positions",
    "capability_ids",
    "modality_ids",
    "industry_ids",
    "certification_ids",
    "countries",
    "state",
    "backed_capability_ids",
    "inspection_flags",
    "fda_acceptable_on",
    "adverse_on",
    "name",
    "summary",
    "places",
    "identifiers",
    "stated",
    "service_capabilities",
    "service_firsts",
    "service_lasts",
    "service_modalities",
    "service_places",
)
TEXT_COLUMNS = INDEX_COLUMNS[14:19]  # the fields of wordindex.TextRow after its id
SERVICE_COLUMNS = INDEX_COLUMNS[19:24]  # matching.ServiceTable's columns of a provider
# Columns holding lists, which many providers share: read as each distinct list with the
# positions of the providers holding it.
LIST_COLUMNS = (*DERIVED_ARRAY_FIELDS, "inspection_flags")
VALUE_COLUMNS = tuple(
    name for name in INDEX_COLUMNS[:19] if name not in LIST_COLUMNS
)  # one value per provider


@dataclass
class IndexColumns:
    """The rows of ``INDEX_SQL`` as the index is built from them (``_read_columns``)."""

    size: int
    values: dict[str, list]  # VALUE_COLUMNS: one value per provider, in name order
    groups: dict[str, dict[tuple, list[int]]]  # LIST_COLUMNS: distinct list -> positions
    services: ServiceTable


def _read_columns(
    cursor, modality_ids: list[int], capability_ids: list[int], chunk: int = 5000
) -> IndexColumns:
    """The rows of the index's query, read a chunk at a time into columns: no object per
    row outlives its chunk but the providers' text."""
    number = {name: place for place, name in enumerate(INDEX_COLUMNS)}
    values: dict[str, list] = {name: [] for name in VALUE_COLUMNS}
    groups: dict[str, dict] = {name: {} for name in LIST_COLUMNS}
    services = ServiceTable(modality_ids, capability_ids)
    size = 0
    while rows := cursor.fetchmany(chunk):
        columns = list(zip(*rows, strict=True))
        del rows
        for name, found in values.items():
            found.extend(columns[number[name]])
        for name, found in groups.items():
            _group(found, columns[number[name]], size)
        services.extend(
            zip(*(columns[number[name]] for name in SERVICE_COLUMNS), strict=True),
            columns[number["countries"]],
        )
        size += len(columns[0])
    values["state_on"] = [on.toordinal() if on else None for on in values["state_on"]]
    return IndexColumns(size, values, groups, services.done())


def _group(groups: dict[tuple, list[int]], column, offset: int) -> None:
    """Add each non-empty list of ``column`` (at positions from ``offset``) to its group."""
    for position, found in enumerate(column, offset):
        if not found:
            continue
        key = tuple(found)
        positions = groups.get(key)
        if positions is None:
            groups[key] = [position]
        else:
            positions.append(position)


def _text_of(row: tuple) -> TextRow:
    return TextRow(row[0], *row[14:19])


def _services_of(row: tuple) -> tuple:
    """A provider's services as ``ServiceTable.patched`` takes them: their columns and the
    provider's countries."""
    return row[19:24], row[8]


def _positions_by_value(groups: dict[tuple, list[int]]) -> dict:
    """Each value found in a column of lists, with the positions of the lists holding it
    (from the column's groups: each distinct list is read once)."""
    by_value: dict = {}
    for values, positions in groups.items():
        for value in values:
            found = by_value.get(value)
            if found is None:
                by_value[value] = list(positions)
            else:
                found.extend(positions)
    return by_value


# Whether each changed provider (c) sorts before a provider of the index (p) in name order:
# a search over the index asks this for many places at once for all changed providers, so
# their places follow the database's collation, exactly as INDEX_SQL's ORDER BY does.
BEFORE_SQL = """
SELECT pair.changed, pair.probe, (lower(c.name), c.id) < (lower(p.name), p.id)
FROM unnest(%s::int[], %s::int[]) AS pair(changed, probe)
JOIN providers_provider AS c ON c.id = pair.changed
JOIN providers_provider AS p ON p.id = pair.probe
"""

# The change log (providers.versioning): entries after the last one applied, and those of
# transactions still running when the index last read it (they may commit with lower
# sequence numbers). UNION ALL: an entry in both is counted once by the set of ids the
# caller makes; UNION's duplicate removal sized a hash table by the planner's guess (a
# third of the log) and cost each patch about 3 ms for a handful of rows.
CHANGES_SQL = """
SELECT seq, provider_id FROM providers_directorychange WHERE seq > %(last)s
UNION ALL
SELECT seq, provider_id FROM providers_directorychange WHERE xid = ANY(%(pending)s::xid8[])
"""
WATERMARK_SQL = """
SELECT coalesce((SELECT max(seq) FROM providers_directorychange), 0),
       ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot())::text)
"""
# At most this many providers changed at once are patched in; more are built beside.
PATCH_LIMIT = 64
# Providers changed since the last full build kept in the word index's overlay; past this,
# the next change is applied by building anew (in the background).
OVERLAY_LIMIT = 5000


@dataclass(frozen=True)
class Watermark:
    """How far into the change log an index is: the last sequence number read, and the
    transactions running at that snapshot."""

    last: int = 0
    pending: tuple[str, ...] = ()


@dataclass
class Changes:
    """What a snapshot says of the changed providers: the rows of the index's query
    (facets, text and services) of those published, and their new positions in name
    order."""

    ids: set[int]
    rows: dict[int, tuple] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)  # in name order


TOKEN_SQL = "SELECT token FROM providers_directoryversion WHERE id = 1"


def current_token() -> str:
    with read_connection().cursor() as cursor:
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
    return row[0] if row else ""


@contextmanager
def _snapshot(alias: str | None = None):
    """A cursor in one repeatable-read, read-only transaction: every read sees one state.
    On the connection ``alias`` names, or buyers' read connection (``read_connection``)."""
    connection = connections[alias] if alias else read_connection()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.in_atomic_block and not connection.savepoint_ids:
            # The outermost transaction is ours: take one snapshot for every read.
            # One snapshot; no JIT (compiling the index's query cost more than running it),
            # room to sort and group it in memory, and its plan made for every row (it is
            # read through a cursor).
            cursor.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;"
                " SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
                " SET LOCAL cursor_tuple_fraction = 1"
            )
        yield cursor


def _read_token(cursor) -> str:
    cursor.execute(TOKEN_SQL)
    row = cursor.fetchone()
    return row[0] if row else ""


def _read_watermark(cursor) -> Watermark:
    cursor.execute(WATERMARK_SQL)
    last, pending = cursor.fetchone()
    return Watermark(last, tuple(pending))


def build_index(
    today: datetime.date | None = None, alias: str | None = None, tidy: bool = True
) -> DirectoryIndex:
    """Build the index from one consistent snapshot: the token, the change log's
    watermark, the catalogue and the rows are read in a single repeatable-read
    transaction, so a commit in between cannot give an index that mixes two states.
    Built here, in this process (``full_build`` decides where a server builds).
    ``tidy``: leave this process's memory as compact as it can (``_repack``); a child
    that hands the index over and ends has no use for it."""
    today = today or timezone.localdate()
    with _snapshot(alias) as cursor:
        return _build(cursor, today, tidy)


def full_build(today: datetime.date, first: bool = False) -> DirectoryIndex:
    """A new index for a server process: built in a child process and read back
    (``child_build``) with ``DIRECTORY_BUILD_IN_CHILD``, so the build's garbage never
    stays in a worker's memory; otherwise built here. Built here too once no child can
    build for this process (the code on disk changed since it started: remembered until it
    is restarted), and when a child fails the ``first`` index of a process, which has no
    last index to answer from, unless the child was killed (its time limit, or the system
    out of memory: the same build here would fare no better). Any other failure is raised,
    and the process keeps its last index."""
    started = time.monotonic()
    with heartbeat.full_build():  # the workers wait while their master builds
        built = _full_build(today, first)
    log.info(
        "Directory index of %d providers built in %.1f s (process %d).",
        built.size,
        time.monotonic() - started,
        os.getpid(),
    )
    return built


def _full_build(today: datetime.date, first: bool) -> DirectoryIndex:
    global _code_changed
    if settings.DIRECTORY_BUILD_IN_CHILD and not _code_changed:
        try:
            return child_build.build_in_child(today, read_connection().alias)
        except child_build.CodeChanged as changed:
            _code_changed = True
            log.warning("%s Until then its directory index is built in the process.", changed)
        except child_build.ChildBuildFailed as failed:
            if not first or failed.killed:
                raise
            log.exception("The first directory index is built in this process instead.")
    return build_index(today)


# Whether a child refused to build for this process because the code on disk changed.
_code_changed = False


def _build(cursor, today: datetime.date, tidy: bool = True) -> DirectoryIndex:
    token = _read_token(cursor)
    watermark = _read_watermark(cursor)
    catalogue = _load_catalogue(cursor.db.alias)
    # A cursor on the server: the rows come a chunk at a time, never all at once.
    with cursor.db.chunked_cursor() as rows:
        rows.execute(INDEX_SQL, INDEX_PARAMS)
        columns = _read_columns(rows, list(catalogue.modalities), list(catalogue.capabilities))
    index = DirectoryIndex(token, columns, catalogue, built_on=today)
    index.watermark = watermark
    del columns
    if tidy:
        _repack(index)
        _release_free_memory()
    return index


# The parts of an index made of many small objects (the word index's words, tuples and
# arrays; the option lists), made again once the build's rows are freed (``_repack``).
SMALL_OBJECT_PARTS = ("words", "options", "known_keys")


def _repack(index: DirectoryIndex) -> None:
    """Make the index's small objects again, side by side. Python's allocator hands a
    block of memory back to the system only when nothing in it is alive, and the build made
    the word index's sixty thousand small objects (at 100,000 providers) in the middle of
    millions of short-lived ones (rows, split words): a few of them kept each of about 120
    blocks alive, 1 MB each, for 13 MB of their own. Written out, dropped, and read back
    once the rest is freed, they fill a few blocks, and the others go back to the system
    (``_release_free_memory``): at 100,000 providers the growth of a process that builds
    the index fell from about 185 to 55 MB."""
    written = pickle.dumps(
        [getattr(index, name) for name in SMALL_OBJECT_PARTS], protocol=pickle.HIGHEST_PROTOCOL
    )
    for name in SMALL_OBJECT_PARTS:
        setattr(index, name, None)
    gc.collect()  # what the build left to the collector is freed before the parts come back
    for name, part in zip(SMALL_OBJECT_PARTS, pickle.loads(written), strict=True):
        setattr(index, name, part)


def _release_free_memory() -> None:
    """Hand the memory a build freed back to the system (glibc's ``malloc_trim``; a no-op
    elsewhere): the build's rows and temporary tables are freed, but the C allocator keeps
    the pages for the process unless asked (about 35 MB at 100,000 providers)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _index_row(row: tuple) -> tuple:
    return (row[0], row[1].toordinal() if row[1] else None, *row[2:])


def update_index(
    index: DirectoryIndex | None, today: datetime.date | None = None, build: bool = True
):
    """The index for the current data, from ``index`` (None: none yet), in one snapshot:
    the changes the log records since ``index`` was read are patched in when they are few
    and name providers only; otherwise (a catalogue edit, a bulk load, a new day, a log
    that no longer reaches back) the index is built anew (``full_build``, in a snapshot
    of its own). With ``build`` False (a worker whose master builds: ``_master_builds``)
    the builds every process makes alike are left to the master: None after a catalogue
    edit, and on a new day the changes are patched into the day-old index until the
    master's is there (None if they cannot be). A bulk change is still built here: the
    master, which looks every second, may have patched it in smaller parts, and would
    then replace no worker. ``index`` itself when nothing changed since it was read."""
    today = today or timezone.localdate()
    if index is None or (index.built_on != today and build):
        return full_build(today, first=index is None)
    with _snapshot() as cursor:
        token = _read_token(cursor)
        watermark = _read_watermark(cursor)
        cursor.execute(
            CHANGES_SQL,
            {"last": index.watermark.last, "pending": list(index.watermark.pending)},
        )
        entries = cursor.fetchall()
        ids = {pk for _seq, pk in entries}
        patchable = (
            None not in ids
            and len(ids) <= PATCH_LIMIT
            and len(index.words.changed) + len(ids) <= OVERLAY_LIMIT
        )
        if patchable:
            if not ids:
                if token == index.token and watermark.pending == index.watermark.pending:
                    return index  # nothing changed (a worker waiting for its master's new day)
                # A change buyers do not see through the index: a new token only.
                patched = object.__new__(DirectoryIndex)
                patched.__dict__.update(index.__dict__)
                patched.token = token
            else:
                patched = index.patched(token, _read_changes(cursor, ids, index))
            patched.watermark = Watermark(
                max(watermark.last, index.watermark.last), watermark.pending
            )
            return patched
    if not build and (None in ids or index.built_on != today):
        return None
    return full_build(today)  # after this snapshot ends


def _read_changes(cursor, ids: set[int], index: DirectoryIndex) -> Changes:
    """The changed providers' rows, read with the full build's query (one query), and
    their places in name order."""
    changes = Changes(ids)
    cursor.execute(INDEX_IDS_SQL, {**INDEX_PARAMS, "ids": sorted(ids)})
    changes.rows = {row[0]: _index_row(row) for row in cursor.fetchall()}  # in name order
    changes.positions = _name_positions(cursor, index, ids, list(changes.rows))
    return changes


# Places in the index compared with a changed provider per query: two or three queries
# place it among 100,000 providers.
PROBES = 512


class _Staying:
    """The providers of ``index`` in name order less the ``changed`` ones, as a sequence
    read by place, without copying the other hundred thousand."""

    def __init__(self, index: DirectoryIndex, changed: set[int]):
        self.ids = index.ids
        self.left = sorted(index.position_of[pk] for pk in changed if pk in index.position_of)

    def __len__(self) -> int:
        return len(self.ids) - len(self.left)

    def __getitem__(self, place: int) -> int:
        position = place
        for gone in self.left:  # ascending: each one left at or before skips a place
            if gone <= position:
                position += 1
            else:
                break
        return self.ids[position]


def _kept_memos(memos: dict, changed: set[int]) -> dict:
    """The memos a patched index keeps (``memo.rendered_once``): those whose key holds all
    their value depends on but the catalogue, which a patch keeps. A facet's options are
    keyed by their counts and choices, so all of them hold; a page of "why it matched"
    cards is keyed by its providers, so those without a changed provider hold. The rest
    (counts, whole answers) depend on every provider and start empty. Each memo is copied
    by one C call (requests may add to it meanwhile)."""
    kept = {}
    options = memos.get(FACET_OPTIONS)
    if options:
        kept[FACET_OPTIONS] = options.copy()
    pages = memos.get(QUERY_CARDS)
    if pages:
        kept[QUERY_CARDS] = {
            key: page
            for key, page in list(pages.items())
            if not any(pk in changed for pk in key[1])
        }
    return kept


def _edited(items, removals, insertions):
    """``items`` (a list or array in index order) without the items at places
    ``removals`` (descending) and with ``insertions`` ((place, item), ascending): a copy, or
    ``items`` itself when that changes nothing (an index's lists are never written once it
    is installed, so a patched copy may share them)."""
    if [place for place, _item in insertions] == sorted(removals) and all(
        items[place] == item for place, item in insertions
    ):
        return items
    new = items[:]  # one copy in one step
    for place in removals:
        del new[place]
    for place, item in insertions:
        new.insert(place, item)
    return new


def _kept_answers(memos: dict, changed: set[int]) -> dict:
    """The counts and whole answers a patched index keeps when its bitsets, orders and
    services are the old ones (``DirectoryIndex._answers_hold``): those without a text
    search (a changed provider's words may have changed), and of the answers those that show
    no changed provider's card. Without them every curator's save emptied each worker's
    answers, a third of what buyers ask again."""
    kept = {}
    counts = memos.get(OPTION_COUNTS)
    if counts:
        # The filter state: text at 1, modalities named by the text at 7 (facets.filter_state).
        kept[OPTION_COUNTS] = {
            key: found for key, found in list(counts.items()) if not key[1] and not key[7]
        }
    answers = memos.get(DIRECTORY_ANSWERS)
    if answers:
        kept[DIRECTORY_ANSWERS] = {
            key: answer
            for key, answer in list(answers.items())
            if not _searched(key[0]) and not any(pk in changed for _s, pk, _e in answer.tail_slots)
        }
    return kept


def _searched(path: str) -> bool:
    """Whether a directory address carries a text search."""
    return any(value.strip() for value in parse_qs(urlsplit(path).query).get("q", ()))


def _span(removed, inserted, size: int) -> range:
    """The places of a list that may hold another item once items left at (old) places
    ``removed`` and came in at (new) places ``inserted``: those between the first and the
    last of them when as many came in as left (the rest keep their places), otherwise every
    place from the first on."""
    places = [*removed, *inserted]
    if not places:
        return range(0)
    last = max(places) if len(removed) == len(inserted) else size - 1
    return range(min(places), min(last, size - 1) + 1)


def _moved(old: Positions, order: array, gone, removed, inserted) -> Positions:
    """``old`` (provider id -> place in an order) for ``order``, the order after ids left at
    places ``removed`` and came in at ``inserted`` (``_span``), and the ids ``gone`` left
    it: a copy with the places in the span written again, rather than new positions of
    every id; ``old`` itself when no place changed (an installed index is never written)."""
    writes = [
        (order[place], place)
        for place in _span(removed, inserted, len(order))
        if old.get(order[place]) != place
    ]
    if not writes and not any(item in old for item in gone):
        return old  # an edit in place (most edits): nothing moved, nothing to copy
    new = old.copy()
    for item in gone:
        new.pop(item, None)
    new.update(writes)
    return new


def _name_positions(cursor, index: DirectoryIndex, changed: set[int], entering: list[int]):
    """The name-order positions of the providers ``entering`` (in name order) once the
    ``changed`` ones have left the index: a search among those that stay, each step one
    query comparing every changed provider with up to ``PROBES`` places of its range."""
    staying = _Staying(index, changed)
    low = dict.fromkeys(entering, 0)
    high = dict.fromkeys(entering, len(staying))
    # First the place a provider had: an edit that leaves its name alone (most edits) keeps
    # it, which comparing it with its two neighbours there confirms in one query.
    pairs: list[tuple[int, int]] = []  # (changed provider, place among those staying)
    for pk in entering:
        position = index.position_of.get(pk)
        if position is not None:
            place = position - bisect_left(staying.left, position)
            pairs += [(pk, near) for near in (place - 1, place) if 0 <= near < len(staying)]
    while pairs or (searching := [pk for pk in entering if low[pk] < high[pk]]):
        if not pairs:
            for pk in searching:
                span = high[pk] - low[pk]
                if span <= PROBES:
                    places = range(low[pk], high[pk])
                else:
                    step = PROBES + 1
                    places = sorted({low[pk] + span * k // step for k in range(1, step)})
                pairs.extend((pk, place) for place in places)
        cursor.execute(
            BEFORE_SQL,
            [[pk for pk, _place in pairs], [staying[place] for _pk, place in pairs]],
        )
        before = {(pk, probe): found for pk, probe, found in cursor.fetchall()}
        for pk, place in pairs:
            if before[pk, staying[place]]:
                high[pk] = min(high[pk], place)
            else:
                low[pk] = max(low[pk], place + 1)
        pairs = []
    return {pk: low[pk] + number for number, pk in enumerate(entering)}


_lock = threading.Lock()
_cached: DirectoryIndex | None = None
_building: "_Update | None" = None
# When the token was last found equal to the installed index's (time.monotonic()).
_checked_at = float("-inf")


def get_index() -> DirectoryIndex:
    """The index for the current data: at most one token query per
    ``DIRECTORY_TOKEN_TTL`` seconds per process, and an update only after a change.

    Within the TTL the installed index is answered without a query (a change reaches every
    process within the TTL plus the update). The first index of a process is built in the
    request. After that, a change is picked up in a background thread, usually by patching
    the changed providers into a copy of the index (milliseconds), sometimes by building a
    new one beside the old; the request waits for it at most ``DIRECTORY_REBUILD_WAIT``
    seconds and otherwise is answered from the previous index: no buyer request waits for
    a full rebuild.
    """
    global _checked_at
    today = timezone.localdate()
    index = _cached
    if (
        index is not None
        and (index.built_on == today or _left_since is not None)  # or waits for the master
        and time.monotonic() - _checked_at < settings.DIRECTORY_TOKEN_TTL
    ):
        return index
    checking = time.monotonic()
    token = current_token()
    if index is not None and index.token == token and index.built_on == today:
        _checked_at = checking
        return index
    if index is None or not settings.DIRECTORY_BACKGROUND_REBUILD:
        with _lock:
            if _cached is None or _cached.token != token or _cached.built_on != today:
                _install(update_index(_cached, today))
            return _cached
    builder, started = _start_background_build()
    # Requests wait for one update together, at most DIRECTORY_REBUILD_WAIT from its start:
    # during a long build, later requests are answered from the previous index at once.
    builder.join(max(0.0, started + settings.DIRECTORY_REBUILD_WAIT - time.monotonic()))
    return _cached


# The token, and whether the catalogue changed since an index read the change log (an entry
# naming no provider: see providers.versioning), in one statement.
CATALOGUE_SQL = """
SELECT (SELECT token FROM providers_directoryversion WHERE id = 1),
       EXISTS (SELECT 1 FROM providers_directorychange
               WHERE provider_id IS NULL
                 AND (seq > %(last)s OR xid = ANY(%(pending)s::xid8[])))
"""


def current_catalogue() -> tuple[str, DirectoryCatalogue]:
    """The current token and a catalogue that is the data's, for answers read from the
    database that need the catalogue's labels only (an API record): one query while the
    installed index (of today: the log is pruned after two days) has the current catalogue,
    however many providers changed since; the index is brought up to date first only when
    there is none or the catalogue changed. So such an answer never waits for a patch,
    whose queries depend on what changed."""
    index = _cached
    if index is not None and index.built_on == timezone.localdate():
        with read_connection().cursor() as cursor:
            cursor.execute(
                CATALOGUE_SQL,
                {"last": index.watermark.last, "pending": list(index.watermark.pending)},
            )
            token, catalogue_changed = cursor.fetchone()
        if not catalogue_changed:
            return token or "", index.catalogue
    index = get_index()
    return index.token, index.catalogue


def installed() -> DirectoryIndex | None:
    """The index this process holds now, as it is (no query)."""
    return _cached


def refresh() -> bool:
    """Bring this process's index up to date now, here (gunicorn's master, which answers
    no request: providers.directory.shared). True when the installed index was built
    anew rather than patched, or is this process's first."""
    old = _cached
    today = timezone.localdate()
    if old is not None and old.built_on == today and old.token == current_token():
        return False
    new = update_index(old, today)
    with _lock:
        _install(new)
    return old is None or new.built_at != old.built_at


def _install(index: DirectoryIndex) -> None:
    """Make ``index`` the process's index. Its token was read in the snapshot it was
    built from, so the TTL starts now. With ``DIRECTORY_FREEZE_INDEX`` the objects alive
    now (the index's millions of ints, tuples and strings among them) move to the
    collector's permanent generation: full collections stop walking them (a pause of
    hundreds of milliseconds at 100,000 providers, on any request that triggers one).
    A replaced index is freed by reference counting, which freezing does not stop: it
    holds no reference cycles (tests/directory/test_index_rebuild.py)."""
    global _cached, _checked_at
    _cached = index
    _checked_at = time.monotonic()
    for listener in _on_rebuild:
        listener()
    if settings.DIRECTORY_FREEZE_INDEX:
        gc.freeze()


class _Update:
    """One update of the index, asked for by a request and run by the updater thread:
    requests wait for it with ``join``."""

    def __init__(self):
        self.started = time.monotonic()
        self.done = threading.Event()

    def join(self, timeout: float | None = None) -> None:
        self.done.wait(timeout)

    def is_alive(self) -> bool:
        return not self.done.is_set()


_updates: queue.SimpleQueue = queue.SimpleQueue()  # updates asked for; None: stop
_updater: threading.Thread | None = None
# An idle updater keeps its database connection this long, then ends (the next update
# starts another): a curator saving every few seconds costs no new connection a save,
# which the requests waiting for the patch waited out (5 to 10 ms).
UPDATER_IDLE = 60.0
log = logging.getLogger(__name__)


def _start_background_build() -> tuple[_Update, float]:
    """The running update (asked for now if none runs) and when it started."""
    global _building, _updater
    with _lock:
        if _building is None or not _building.is_alive():
            _building = _Update()
            _updates.put(_building)
            if _updater is None or not _updater.is_alive():  # none, or not in this process
                _updater = threading.Thread(
                    target=_update_in_background, daemon=True, name="directory-index"
                )
                _updater.start()
        return _building, _building.started


def _update_in_background() -> None:
    """The updater thread: runs the updates asked for, one at a time, on its own
    connection, until it is told to stop or has been idle ``UPDATER_IDLE`` seconds."""
    global _updater
    try:
        while True:
            try:
                update = _updates.get(timeout=UPDATER_IDLE)
            except queue.Empty:
                with _lock:  # no update can be asked for while it decides to end
                    if _updates.empty():
                        _updater = None
                        return
                continue
            if update is None:
                return
            try:
                close_old_connections()  # a connection past its age or health is replaced
                with buyer_reads():  # the database requests compare its token with
                    _build_in_background()
            except Exception:
                log.exception("The directory index could not be updated; buyers see the last.")
                connections.close_all()
            finally:
                update.done.set()
    finally:
        connections.close_all()  # this thread's own connections


def _build_in_background() -> None:
    global _checked_at, _left_since
    today = timezone.localdate()
    index = update_index(_cached, today, build=not _master_builds())
    if index is None or index.built_on != today:
        # The master builds the new index, and replaces this worker with a fork of its own.
        if _left_since is None:
            _left_since = time.monotonic()
            log.info(
                "The directory index's full build is left to the master (pid %d).",
                heartbeat.master.pid,
            )
        _checked_at = time.monotonic()  # asked again after the token's TTL, not at once
        if index is None:
            return
    else:
        _left_since = None
    if index is _cached:  # nothing changed: the caches derived from it stay
        _checked_at = time.monotonic()
        return
    with _lock:
        if _cached is None or _cached.watermark.last <= index.watermark.last:
            _install(index)


# When this worker first left a full build to its master (time.monotonic()), if it waits.
_left_since: float | None = None


def _master_builds() -> bool:
    """Whether this process leaves full builds to its master: it is a worker of the master
    that keeps the shared index (``heartbeat.master``, set in the master and so in its
    forks), whose keeper is heard from, and it has not waited for it
    ``DIRECTORY_SHARED_WAIT`` (past that, a master that did not replace it is not keeping
    its index). Otherwise the worker builds its own."""
    master = heartbeat.master
    if master is None or os.getppid() != master.pid:
        return False
    if not master.heard():
        log.warning(
            "The master (pid %d) keeping the shared directory index has not been heard from "
            "in %.0f s: this worker builds its own.",
            master.pid,
            master.silence(),
        )
        return False
    waited = 0.0 if _left_since is None else time.monotonic() - _left_since
    return waited < settings.DIRECTORY_SHARED_WAIT  # 0: never left to the master


def _stop_updater() -> None:
    """End the updater thread (closing its connection), if one runs."""
    global _updater
    with _lock:
        updater, _updater = _updater, None
    if updater is not None:
        _updates.put(None)
        updater.join(30)


# Caches derived from an index (text matches) register here to be emptied on a rebuild.
_on_rebuild: list = []


def on_rebuild(listener) -> None:
    _on_rebuild.append(listener)


def _forked() -> None:
    """In a process just forked from one that holds an index (gunicorn's workers, forked
    from a master that built it: providers.directory.shared): no thread came along, so no
    updater runs and no lock is held, whatever the master's threads were doing; the
    token is asked at the next request."""
    global _lock, _building, _updates, _updater, _checked_at, _left_since
    _lock = threading.Lock()
    _building = _updater = None
    _updates = queue.SimpleQueue()
    _checked_at = float("-inf")
    _left_since = None


os.register_at_fork(after_in_child=_forked)


def reset() -> None:
    """Forget the cached index and everything derived from it (tests, data reloads)."""
    global _cached, _checked_at, _left_since
    _stop_updater()
    with _lock:
        _cached = None
        _checked_at = float("-inf")
        _left_since = None
        for listener in _on_rebuild:
            listener()
