"""The directory's facet index: per filter option, the set of matching published providers.

Each set is a bitset held in a Python ``int``: bit *i* stands for the *i*-th published
provider in name order. Filtering is AND / OR of bitsets and a facet count is
``(candidates & option).bit_count()``, so every count on the page costs microseconds
whatever the number of providers. A second copy of every bitset, in "most recently
verified" order, serves that sort without re-sorting results.

The index is built from the derived columns (``providers.derived``) of published
providers, with the word index of text search (``wordindex.py``), and cached per process.
When the ``DirectoryVersion`` token, which changes in the same transaction as any
buyer-visible change, differs from the one it was built at (one single-row query per
request), the providers the change log names are patched into a copy of the index
(``update_index``), or, after a catalogue or bulk change, a new index is built beside it.

The inspection filters ("FDA NAI or VAI within 3 years", "no adverse outcome within 5
years") depend on the day as well as the data: the index reads the dates of each
provider's latest acceptable and adverse inspection and decides them against the day it
is built, and it is rebuilt on the first request of a new day.
"""

import datetime
import gc
import threading
import time
from array import array
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from lifecycle.models import Phase, Stage, Track
from providers import regions
from providers.directory.bitsets import bits_from_positions, positions_from_bits
from providers.directory.matching import ServiceTable
from providers.directory.wordindex import TextRow, WordIndex, catalogue_words
from providers.evidence import VerificationState
from providers.models import (
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
    state_on = row[1]
    return (row[9] == COMPILED) << 41 | (state_on is None) << 40 | ((1 << 40) - 1 - (state_on or 0))


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
        rows: list[tuple],
        catalogue: DirectoryCatalogue,
        built_on: datetime.date | None = None,
        service_rows: list[tuple] = (),
        text_rows: list[TextRow] | None = None,
    ):
        self.token = token
        self.watermark = Watermark()
        self.built_on = built_on or timezone.localdate()
        self.catalogue = catalogue
        # Markup that depends on the providers (counts): this index's own, never a copy's.
        self.html_cache: dict = {}
        # Each provider's fixed card markup (providers.directory.cards.directory_cards),
        # bounded there; patched() drops the changed providers' entries.
        self.provider_cache: dict = {}
        self.size = len(rows)
        # rows: (id, state_on, type_ids, phases, capability_ids, modality_ids,
        #        industry_ids, certification_ids, countries, state, backed_capability_ids[,
        #        inspection_flags, fda_acceptable_on, adverse_on]), already in name order.
        self.ids = [row[0] for row in rows]
        self.position_of = {pk: position for position, pk in enumerate(self.ids)}
        # "Recently checked": records a person checked or confirmed, newest first, then
        # compiled ones (nobody checked them), newest first.
        verified_order = sorted(range(self.size), key=lambda position: verified_key(rows[position]))
        self.ids_by_verified = [self.ids[position] for position in verified_order]
        # The same order as one small int per provider (name position breaks ties), so a
        # patch can place a changed provider by binary search.
        self.verified_keys = array("q", (verified_key(row) for row in rows))
        # rank[name position] = verified position
        rank = [0] * self.size
        for verified_position, position in enumerate(verified_order):
            rank[position] = verified_position
        self.rank = rank

        members: dict[tuple[str, str], list[int]] = {}
        self._prepare_members()
        for position, row in enumerate(rows):
            for option in self._row_members(row):
                members.setdefault(option, []).append(position)

        self.bits: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        self.bits_verified: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        for (facet, key), positions in members.items():
            if key is None:
                continue
            self.bits[facet][key] = bits_from_positions(positions, self.size)
            self.bits_verified[facet][key] = bits_from_positions(
                [rank[position] for position in positions], self.size
            )
        # A region is the union of its countries.
        for table in (self.bits, self.bits_verified):
            for code, bits in table["country"].items():
                region = regions.region_of(code)
                table["region"][region] = table["region"].get(region, 0) | bits
        self.all = (1 << self.size) - 1
        self._build_trust(rows, self._slug_of["capability"])
        # Each published provider's services, for service-level matching (see matching.py).
        self.load_services(service_rows)
        self.options = self._options()
        self.known_keys = {
            facet: frozenset(option.key for option in options)
            for facet, options in self.options.items()
        }
        if text_rows is None:  # built without text (tests of the facets alone)
            text_rows = [TextRow(pk, "", "", "", "") for pk in self.ids]
        self.words = WordIndex(
            text_rows, self.ids, catalogue_words(catalogue, self.bits["country"])
        )

    def nbytes(self) -> int:
        """Approximate memory of the bitsets, service table and word index."""
        tables = [*self.bits.values(), *self.bits_verified.values()]
        tables += [self.backed_capability, self.backed_capability_verified]
        bitsets = sum((bits.bit_length() + 7) // 8 for table in tables for bits in table.values())
        lists = 8 * 5 * self.size + 100 * self.size  # ids, ranks, dates, the id lookup
        return bitsets + lists + self.services.nbytes() + self.words.nbytes()

    # ------------------------------------------------------------------ patching
    # A change to a few providers is applied to a copy of the index (requests keep reading
    # the old one until the copy is installed): each changed provider leaves its old
    # positions and enters at its new ones in every bitset and list, in name order and in
    # "recently checked" order.

    def patched(self, token: str, changes: "Changes") -> "DirectoryIndex":
        new = object.__new__(DirectoryIndex)
        new.__dict__.update(self.__dict__)
        new.token = token
        new.html_cache = {}  # the counts change with the providers
        changed = changes.ids
        new.provider_cache = self.provider_cache.copy()  # one C call: safe beside requests
        for pk in changed:
            new.provider_cache.pop(pk, None)
        rows = changes.rows
        removed = sorted(
            (self.position_of[pk] for pk in changed if pk in self.position_of), reverse=True
        )
        removed_verified = sorted((self.rank[position] for position in removed), reverse=True)
        inserted = sorted((changes.positions[pk], pk) for pk in rows)

        ids = list(self.ids)
        checked_on = list(self.checked_on)
        keys = array("q", self.verified_keys)
        for position in removed:
            del ids[position]
            del checked_on[position]
            del keys[position]
        for position, pk in inserted:
            ids.insert(position, pk)
            row = rows[pk]
            checked_on.insert(position, row[1] if row[9] != COMPILED else None)
            keys.insert(position, verified_key(row))
        position_of = {pk: position for position, pk in enumerate(ids)}
        by_verified = list(self.ids_by_verified)
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

        new.bits = {}
        new.bits_verified = {}
        for facet in FACETS:
            if facet == "region":
                continue
            new.bits[facet] = remap_table(
                self.bits[facet], facet, removed, inserted, in_facet(facet)
            )
            new.bits_verified[facet] = remap_table(
                self.bits_verified[facet],
                facet,
                removed_verified,
                inserted_verified,
                in_facet(facet),
            )
        for table in (new.bits, new.bits_verified):
            table["region"] = {}
            for code, bits in table["country"].items():
                region = regions.region_of(code)
                table["region"][region] = table["region"].get(region, 0) | bits

        def is_backed(pk, slug):
            return slug in backed[pk]

        new.backed_capability = {
            slug: remap(bits, removed, inserted, lambda pk, slug=slug: is_backed(pk, slug))
            for slug, bits in self.backed_capability.items()
        }
        new.backed_capability_verified = {
            slug: remap(
                bits, removed_verified, inserted_verified, lambda pk, slug=slug: is_backed(pk, slug)
            )
            for slug, bits in self.backed_capability_verified.items()
        }
        for pk in rows:  # a capability backed for the first time
            for slug in backed[pk] - set(new.backed_capability) - {None}:
                new.backed_capability[slug] = remap(
                    0, (), inserted, lambda p, s=slug: is_backed(p, s)
                )
                new.backed_capability_verified[slug] = remap(
                    0, (), inserted_verified, lambda p, s=slug: is_backed(p, s)
                )

        def any_backed(pk):
            return bool(rows[pk][10])

        new.backed_any = remap(self.backed_any, removed, inserted, any_backed)
        new.backed_any_verified = remap(
            self.backed_any_verified, removed_verified, inserted_verified, any_backed
        )

        new.ids, new.checked_on, new.ids_by_verified = ids, checked_on, by_verified
        new.verified_keys = keys
        new.size = len(ids)
        new.all = (1 << new.size) - 1
        new.position_of = position_of
        verified_position = {pk: position for position, pk in enumerate(by_verified)}
        new.rank = [verified_position[pk] for pk in ids]
        new._age_masks = {}

        new.services = self.services.patched(
            removed,
            [(position, changes.services.get(pk, [])) for position, pk in inserted],
        )
        words = self.words.patched({pk: changes.texts.get(pk) for pk in changed})
        dense_members = {pk: words.dense_members(changes.texts.get(pk)) for pk in rows}
        words.dense = {
            key: remap(bits, removed, inserted, lambda pk, key=key: key in dense_members[pk])
            for key, bits in self.words.dense.items()
        }
        if set(new.bits["country"]) != set(self.bits["country"]):
            words.set_catalogue(catalogue_words(self.catalogue, new.bits["country"]))
        new.words = words
        new.options = new._options()
        new.known_keys = {
            facet: frozenset(option.key for option in options)
            for facet, options in new.options.items()
        }
        return new

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

    def _build_trust(self, rows: list[tuple], capability_slug: dict[int, str]) -> None:
        backed: dict[str, list[int]] = {}
        any_backed: list[int] = []
        self.checked_on: list[int | None] = []
        for position, row in enumerate(rows):
            state, backed_ids = row[9], row[10]
            self.checked_on.append(row[1] if state != COMPILED else None)
            if backed_ids:
                any_backed.append(position)
            for pk in backed_ids:
                slug = capability_slug.get(pk)
                if slug is not None:
                    backed.setdefault(slug, []).append(position)
        rank = self.rank
        self.backed_capability = {
            slug: bits_from_positions(positions, self.size) for slug, positions in backed.items()
        }
        self.backed_capability_verified = {
            slug: bits_from_positions([rank[p] for p in positions], self.size)
            for slug, positions in backed.items()
        }
        self.backed_any = bits_from_positions(any_backed, self.size)
        self.backed_any_verified = bits_from_positions([rank[p] for p in any_backed], self.size)
        self._age_masks: dict[tuple, int] = {}

    def evidence_mask(self, capabilities: list[str], verified: bool = False) -> int:
        """Providers whose services for every chosen capability carry evidence; with no
        capability chosen, providers with at least one service carrying evidence."""
        if not capabilities:
            return self.backed_any_verified if verified else self.backed_any
        table = self.backed_capability_verified if verified else self.backed_capability
        mask = self.all
        for slug in capabilities:
            mask &= table.get(slug, 0)
        return mask

    def checked_within_mask(self, months: int, today, verified: bool = False) -> int:
        """Providers checked (or confirmed) by a person within ``months`` of ``today``."""
        key = (months, today, verified)
        mask = self._age_masks.get(key)
        if mask is None:
            year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
            day = min(today.day, 28)
            cutoff = today.replace(year=year, month=month + 1, day=day).toordinal()
            positions = [p for p, on in enumerate(self.checked_on) if on and on >= cutoff]
            if verified:
                positions = [self.rank[p] for p in positions]
            mask = self._age_masks[key] = bits_from_positions(positions, self.size)
        return mask

    def load_services(self, service_rows) -> None:
        """Each published provider's services (rows of SERVICES_SQL, in index order)."""
        position_of = self.position_of
        self.services = ServiceTable(
            ((position_of[row[0]], *row[1:]) for row in service_rows if row[0] in position_of),
            self.size,
            list(self.catalogue.modalities),
        )

    def known(self, facet: str) -> frozenset[str]:
        return self.known_keys[facet]

    def facet_mask(
        self, facet: str, keys: list[str], verified: bool = False, every: bool = True
    ) -> int:
        table = (self.bits_verified if verified else self.bits)[facet]
        if facet in ALL_OF and every:
            mask = self.all
            for key in keys:
                mask &= table.get(key, 0)
            return mask
        mask = 0
        for key in keys:
            mask |= table.get(key, 0)
        return mask

    def coverage_mask(self, first: int, last: int, verified: bool = False) -> int:
        """Providers serving every phase from ``first`` through ``last`` (positions)."""
        table = (self.bits_verified if verified else self.bits)["phase"]
        mask = self.all
        for phase in self.catalogue.phases:
            if first <= phase.position <= last:
                mask &= table.get(phase.slug, 0)
        return mask

    def to_verified(self, bits: int) -> int:
        """Re-express a name-order bitset in verified order (used for text matches)."""
        rank = self.rank
        return bits_from_positions([rank[p] for p in positions_from_bits(bits)], self.size)

    def positions_of_ids(self, ids) -> list[int]:
        return [self.position_of[pk] for pk in ids if pk in self.position_of]


def _load_catalogue(alias: str) -> DirectoryCatalogue:
    phases = list(Phase.objects.using(alias).select_related("stage", "track"))
    catalogue = DirectoryCatalogue(
        stages=list(Stage.objects.using(alias)),
        phases=phases,
        types={
            row.pk: row
            for row in ProviderType.objects.using(alias).prefetch_related("typical_stages")
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


INDEX_SQL = """
SELECT id, state_on, type_ids, phase_positions, capability_ids, modality_ids,
       industry_ids, certification_ids, countries, state, backed_capability_ids,
       inspection_flags, fda_acceptable_on, adverse_on
FROM providers_provider
WHERE status = %(published)s
ORDER BY lower(name), id
"""
INDEX_PARAMS = {"published": PUBLISHED}

# Every published provider's services: capability, phase range, modalities (the rule in
# providers.derived), the countries of the sites where it is done (NULL: not stated), and
# the provider's own countries (headquarters and sites) that stand in for them. The
# modality rule is the one of providers.derived, written as joins for the whole table.
SERVICES_SQL = """
WITH own AS (
    SELECT service_id, array_agg(modality_id ORDER BY modality_id) AS ids
    FROM providers_service_modalities GROUP BY service_id
), stated AS (
    SELECT provider_id, array_agg(modality_id ORDER BY modality_id) AS ids
    FROM providers_provider_modalities GROUP BY provider_id
), placed AS (
    SELECT ss.service_id, array_agg(DISTINCT site.country) AS countries
    FROM providers_service_sites AS ss JOIN providers_site AS site ON site.id = ss.site_id
    GROUP BY ss.service_id
)
SELECT s.provider_id, s.capability_id, s.first_phase_id, s.last_phase_id,
       coalesce(own.ids, stated.ids, '{}'), placed.countries, p.countries
FROM providers_service AS s
JOIN providers_provider AS p ON p.id = s.provider_id
LEFT JOIN own ON own.service_id = s.id
LEFT JOIN stated ON stated.provider_id = s.provider_id
LEFT JOIN placed ON placed.service_id = s.id
WHERE p.status = %(published)s
ORDER BY lower(p.name), p.id, s.id
"""


# Each published provider's own searchable text (the word index; catalogue words come
# from the facet columns): name, summary, its sites' cities and regulator identifiers
# (apart: identifiers written in groups of digits are joined into one number each).
TEXT_SQL = """
SELECT p.id, p.name, coalesce(p.summary, ''),
       coalesce((SELECT string_agg(site.city, ' ') FROM providers_site AS site
                 WHERE site.provider_id = p.id), ''),
       coalesce((SELECT string_agg(ident.value, ' ; ')
                 FROM providers_site AS site
                 JOIN providers_siteidentity AS ident ON ident.site_id = site.id
                 WHERE site.provider_id = p.id), ''),
       coalesce((SELECT string_agg(mo.name || ' ' || mo.synonyms, ' ')
                 FROM providers_provider_modalities AS m
                 JOIN providers_modality AS mo ON mo.id = m.modality_id
                 WHERE m.provider_id = p.id AND m.modality_id <> ALL(p.modality_ids)), '')
FROM providers_provider AS p
WHERE p.status = %(published)s
ORDER BY lower(p.name), p.id
"""

# Whether each changed provider (c) sorts before a provider of the index (p) in name order:
# a binary search over the index asks this once per step for all changed providers, so their
# places follow the database's collation, exactly as INDEX_SQL's ORDER BY does.
BEFORE_SQL = """
SELECT pair.changed, (lower(c.name), c.id) < (lower(p.name), p.id)
FROM unnest(%s::int[], %s::int[]) AS pair(changed, probe)
JOIN providers_provider AS c ON c.id = pair.changed
JOIN providers_provider AS p ON p.id = pair.probe
"""

# The change log (providers.versioning): entries after the last one applied, and those of
# transactions still running when the index last read it (they may commit with lower
# sequence numbers).
CHANGES_SQL = """
SELECT seq, provider_id FROM providers_directorychange WHERE seq > %(last)s
UNION
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
    """What a snapshot says of the changed providers: index rows, services and text of
    those published, and their new positions in name order."""

    ids: set[int]
    rows: dict[int, tuple] = field(default_factory=dict)
    services: dict[int, list] = field(default_factory=dict)
    texts: dict[int, TextRow] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)  # in name order


TOKEN_SQL = "SELECT token FROM providers_directoryversion WHERE id = 1"


def current_token() -> str:
    with read_connection().cursor() as cursor:
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
    return row[0] if row else ""


@contextmanager
def _snapshot():
    """A cursor in one repeatable-read, read-only transaction: every read sees one state."""
    connection = read_connection()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.in_atomic_block and not connection.savepoint_ids:
            # The outermost transaction is ours: take one snapshot for every read.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield cursor


def _read_token(cursor) -> str:
    cursor.execute(TOKEN_SQL)
    row = cursor.fetchone()
    return row[0] if row else ""


def _read_watermark(cursor) -> Watermark:
    cursor.execute(WATERMARK_SQL)
    last, pending = cursor.fetchone()
    return Watermark(last, tuple(pending))


def build_index(today: datetime.date | None = None) -> DirectoryIndex:
    """Build the index from one consistent snapshot: the token, the change log's
    watermark, the catalogue and the rows are read in a single repeatable-read
    transaction, so a commit in between cannot give an index that mixes two states."""
    today = today or timezone.localdate()
    with _snapshot() as cursor:
        return _build(cursor, today)


def _build(cursor, today: datetime.date) -> DirectoryIndex:
    token = _read_token(cursor)
    watermark = _read_watermark(cursor)
    catalogue = _load_catalogue(cursor.db.alias)
    cursor.execute(INDEX_SQL, INDEX_PARAMS)
    rows = [_index_row(row) for row in cursor.fetchall()]
    cursor.execute(TEXT_SQL, INDEX_PARAMS)
    texts = [TextRow(*row) for row in _in_chunks(cursor)]
    index = DirectoryIndex(token, rows, catalogue, built_on=today, text_rows=texts)
    del rows, texts
    cursor.execute(SERVICES_SQL, INDEX_PARAMS)
    index.load_services(_in_chunks(cursor))  # streamed: no list of every service
    index.watermark = watermark
    return index


def _index_row(row: tuple) -> tuple:
    return (row[0], row[1].toordinal() if row[1] else None, *row[2:])


def update_index(index: DirectoryIndex | None, today: datetime.date | None = None):
    """The index for the current data, from ``index`` (None: none yet), in one snapshot:
    the changes the log records since ``index`` was read are patched in when they are few
    and name providers only; otherwise (a catalogue edit, a bulk load, a new day, a log
    that no longer reaches back) the index is built anew."""
    today = today or timezone.localdate()
    with _snapshot() as cursor:
        if index is None or index.built_on != today:
            return _build(cursor, today)
        token = _read_token(cursor)
        watermark = _read_watermark(cursor)
        cursor.execute(
            CHANGES_SQL,
            {"last": index.watermark.last, "pending": list(index.watermark.pending)},
        )
        entries = cursor.fetchall()
        ids = {pk for _seq, pk in entries}
        if (
            None in ids
            or len(ids) > PATCH_LIMIT
            or len(index.words.changed) + len(ids) > OVERLAY_LIMIT
        ):
            return _build(cursor, today)
        if not ids:  # a change buyers do not see through the index (a new token only)
            patched = object.__new__(DirectoryIndex)
            patched.__dict__.update(index.__dict__)
            patched.token = token
        else:
            patched = index.patched(token, _read_changes(cursor, ids, index))
        patched.watermark = Watermark(max(watermark.last, index.watermark.last), watermark.pending)
        return patched


def _read_changes(cursor, ids: set[int], index: DirectoryIndex) -> Changes:
    changes = Changes(ids)
    params = {**INDEX_PARAMS, "ids": sorted(ids)}
    cursor.execute(_only_ids(INDEX_SQL, "id"), params)
    changes.rows = {row[0]: _index_row(row) for row in cursor.fetchall()}  # in name order
    cursor.execute(_only_ids(TEXT_SQL, "p.id"), params)
    changes.texts = {row[0]: TextRow(*row) for row in cursor.fetchall()}
    cursor.execute(_only_ids(SERVICES_SQL, "p.id"), params)
    for provider_id, *service in cursor.fetchall():
        changes.services.setdefault(provider_id, []).append(tuple(service))
    changes.positions = _name_positions(cursor, index, ids, list(changes.rows))
    return changes


def _name_positions(cursor, index: DirectoryIndex, changed: set[int], entering: list[int]):
    """The name-order positions of the providers ``entering`` (in name order) once the
    ``changed`` ones have left the index: a binary search among those that stay, every step
    one query for all of them."""
    staying = [pk for pk in index.ids if pk not in changed]
    low = dict.fromkeys(entering, 0)
    high = dict.fromkeys(entering, len(staying))
    while searching := [pk for pk in entering if low[pk] < high[pk]]:
        middle = {pk: (low[pk] + high[pk]) // 2 for pk in searching}
        cursor.execute(BEFORE_SQL, [searching, [staying[middle[pk]] for pk in searching]])
        for pk, before in cursor.fetchall():
            if before:
                high[pk] = middle[pk]
            else:
                low[pk] = middle[pk] + 1
    return {pk: low[pk] + number for number, pk in enumerate(entering)}


def _only_ids(sql: str, column: str) -> str:
    """One of the index's queries, for the providers in ``%(ids)s`` only."""
    query, order = sql.rsplit("ORDER BY", 1)
    return f"{query} AND {column} = ANY(%(ids)s) ORDER BY{order}"


def _in_chunks(cursor, size: int = 20_000):
    while rows := cursor.fetchmany(size):
        yield from rows


_lock = threading.Lock()
_cached: DirectoryIndex | None = None
_building: threading.Thread | None = None
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
        and index.built_on == today
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


_building_since = 0.0


def _start_background_build() -> tuple[threading.Thread, float]:
    """The running update (started now if none runs) and when it started."""
    global _building, _building_since
    with _lock:
        if _building is None or not _building.is_alive():
            _building = threading.Thread(target=_build_in_background, daemon=True)
            _building_since = time.monotonic()
            _building.start()
        return _building, _building_since


def _build_in_background() -> None:
    try:
        index = update_index(_cached)
        with _lock:
            if _cached is None or _cached.watermark.last <= index.watermark.last:
                _install(index)
    finally:
        connections.close_all()  # this thread's own connections


# Caches derived from an index (text matches) register here to be emptied on a rebuild.
_on_rebuild: list = []


def on_rebuild(listener) -> None:
    _on_rebuild.append(listener)


def reset() -> None:
    """Forget the cached index and everything derived from it (tests, data reloads)."""
    global _cached, _checked_at
    with _lock:
        _cached = None
        _checked_at = float("-inf")
        for listener in _on_rebuild:
            listener()
