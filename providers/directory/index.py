"""The directory's facet index: per filter option, the set of matching published providers.

Each set is a bitset held in a Python ``int``: bit *i* stands for the *i*-th published
provider in name order. Filtering is AND / OR of bitsets and a facet count is
``(candidates & option).bit_count()``, so every count on the page costs microseconds
whatever the number of providers. A second copy of every bitset, in "most recently
verified" order, serves that sort without re-sorting results.

The index is built from the derived columns (``providers.derived``) of published
providers and cached per process. It is rebuilt when the ``DirectoryVersion`` token,
which changes in the same transaction as any buyer-visible change, differs from the one
it was built at: one single-row query per request keeps every count fresh.

The inspection filters ("FDA NAI or VAI within 3 years", "no adverse outcome within 5
years") depend on the day as well as the data: the index reads the dates of each
provider's latest acceptable and adverse inspection and decides them against the day it
is built, and it is rebuilt on the first request of a new day.
"""

import datetime
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from lifecycle.models import Phase, Stage, Track
from providers import regions
from providers.directory.bitsets import bits_from_positions, positions_from_bits
from providers.directory.matching import ServiceTable
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
    html_cache: dict = field(default_factory=dict)  # markup built once per index


class DirectoryIndex:
    """Bitsets for every filter option over the published providers (see module docstring)."""

    def __init__(
        self,
        token: str,
        rows: list[tuple],
        catalogue: DirectoryCatalogue,
        built_on: datetime.date | None = None,
        service_rows: list[tuple] = (),
    ):
        self.token = token
        self.built_on = built_on or timezone.localdate()
        self.catalogue = catalogue
        self.size = len(rows)
        # rows: (id, state_on, type_ids, phases, capability_ids, modality_ids,
        #        industry_ids, certification_ids, countries, state, backed_capability_ids[,
        #        inspection_flags, fda_acceptable_on, adverse_on]), already in name order.
        self.ids = [row[0] for row in rows]
        self.position_of = {pk: position for position, pk in enumerate(self.ids)}
        # "Recently checked": records a person checked or confirmed, newest first, then
        # compiled ones (nobody checked them), newest first.
        verified_order = sorted(
            range(self.size),
            key=lambda position: (
                rows[position][9] == COMPILED,
                rows[position][1] is None,
                -(rows[position][1] or 0),
            ),
        )
        self.ids_by_verified = [self.ids[position] for position in verified_order]
        # rank[name position] = verified position
        rank = [0] * self.size
        for verified_position, position in enumerate(verified_order):
            rank[position] = verified_position
        self.rank = rank

        members: dict[tuple[str, str], list[int]] = {}

        def add(facet: str, key, position: int) -> None:
            members.setdefault((facet, key), []).append(position)

        stage_of_phase = {phase.position: phase.stage.slug for phase in catalogue.phases}
        slug_of = {
            "type": {pk: row.slug for pk, row in catalogue.types.items()},
            "capability": {pk: row.slug for pk, row in catalogue.capabilities.items()},
            "modality": {pk: row.slug for pk, row in catalogue.modalities.items()},
            "industry": {pk: row.slug for pk, row in catalogue.industries.items()},
            "certification": {pk: row.slug for pk, row in catalogue.certifications.items()},
        }
        phase_slug = {phase.position: phase.slug for phase in catalogue.phases}
        acceptable_since = years_before(self.built_on, ACCEPTABLE_WITHIN_YEARS)
        adverse_since = years_before(self.built_on, ADVERSE_WITHIN_YEARS)
        for position, row in enumerate(rows):
            types, phases, capabilities, modalities, industries, certs, countries = row[2:9]
            flags, acceptable_on, adverse_on = row[11:14] if len(row) > 11 else ((), None, None)
            if acceptable_on is not None and acceptable_on >= acceptable_since:
                add("inspection", "fda-acceptable", position)
            if adverse_on is None or adverse_on < adverse_since:
                add("inspection", "no-adverse", position)
            if "eu-gmp-certificate" in flags:
                add("inspection", "eu-gmp-certificate", position)
            for pk in types:
                add("type", slug_of["type"].get(pk), position)
            for number in phases:
                add("phase", phase_slug.get(number), position)
            for stage in {stage_of_phase.get(number) for number in phases}:
                add("stage", stage, position)
            for pk in capabilities:
                add("capability", slug_of["capability"].get(pk), position)
            for pk in modalities:
                add("modality", slug_of["modality"].get(pk), position)
            for pk in industries:
                add("industry", slug_of["industry"].get(pk), position)
            for pk in certs:
                add("certification", slug_of["certification"].get(pk), position)
            for code in countries:
                add("country", code, position)

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
        self._build_trust(rows, slug_of["capability"])
        # Each published provider's services, for service-level matching (see matching.py).
        self.load_services(service_rows)
        self.options = self._options()
        self.known_keys = {
            facet: frozenset(option.key for option in options)
            for facet, options in self.options.items()
        }

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
ORDER BY lower(p.name), p.id
"""


TOKEN_SQL = "SELECT token FROM providers_directoryversion WHERE id = 1"


def current_token() -> str:
    with read_connection().cursor() as cursor:
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
    return row[0] if row else ""


def build_index(today: datetime.date | None = None) -> DirectoryIndex:
    """Build the index from one consistent snapshot: the token, the catalogue and the rows
    are read in a single repeatable-read transaction, so a commit in between cannot give an
    index that mixes two states under one token."""
    today = today or timezone.localdate()
    connection = read_connection()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.in_atomic_block and not connection.savepoint_ids:
            # The outermost transaction is ours: take one snapshot for every read.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
        token = row[0] if row else ""
        catalogue = _load_catalogue(connection.alias)
        cursor.execute(INDEX_SQL, INDEX_PARAMS)
        rows = [
            (row[0], row[1].toordinal() if row[1] else None, *row[2:]) for row in cursor.fetchall()
        ]
        index = DirectoryIndex(token, rows, catalogue, built_on=today)
        cursor.execute(SERVICES_SQL, INDEX_PARAMS)
        index.load_services(_in_chunks(cursor))  # streamed: no list of every service
    return index


def _in_chunks(cursor, size: int = 20_000):
    while rows := cursor.fetchmany(size):
        yield from rows


_lock = threading.Lock()
_cached: DirectoryIndex | None = None
_building: threading.Thread | None = None


def get_index() -> DirectoryIndex:
    """The index for the current data: one token query per request, and a rebuild only
    after a change.

    The first index of a process is built in the request. After that, a change is picked
    up by building the new index beside the old one in a background thread; the request
    waits for it at most ``DIRECTORY_REBUILD_WAIT`` seconds (a small directory rebuilds in
    milliseconds, so buyers see the change at once) and otherwise is answered from the
    previous index while the new one finishes: no buyer request waits for a full rebuild.
    """
    token = current_token()
    today = timezone.localdate()
    index = _cached
    if index is not None and index.token == token and index.built_on == today:
        return index
    if index is None or not settings.DIRECTORY_BACKGROUND_REBUILD:
        with _lock:
            if _cached is None or _cached.token != token or _cached.built_on != today:
                _install(build_index(today))
            return _cached
    builder = _start_background_build()
    builder.join(settings.DIRECTORY_REBUILD_WAIT)
    return _cached


def _install(index: DirectoryIndex) -> None:
    global _cached
    _cached = index
    for listener in _on_rebuild:
        listener()


def _start_background_build() -> threading.Thread:
    global _building
    with _lock:
        if _building is None or not _building.is_alive():
            _building = threading.Thread(target=_build_in_background, daemon=True)
            _building.start()
        return _building


def _build_in_background() -> None:
    try:
        index = build_index()
        with _lock:
            if (
                _cached is None
                or _cached.token != index.token
                or _cached.built_on != index.built_on
            ):
                _install(index)
    finally:
        connections.close_all()  # this thread's own connections


# Caches derived from an index (text matches) register here to be emptied on a rebuild.
_on_rebuild: list = []


def on_rebuild(listener) -> None:
    _on_rebuild.append(listener)


def reset() -> None:
    """Forget the cached index and everything derived from it (tests, data reloads)."""
    global _cached
    with _lock:
        _cached = None
        for listener in _on_rebuild:
            listener()
