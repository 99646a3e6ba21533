"""Service-level matching: a buyer who chooses capabilities or modalities asks about one
program, so the other service facets (coverage range, stage, phase, region, country) must
hold for one service, not for the provider's services added together.

The index keeps, besides its per-option bitsets, a compact table of every published
provider's services (``ServiceTable``: a few flat arrays, about 10 bytes a service). A
query first narrows the providers with the provider-level bitsets, which are necessary
conditions (a service covering Phase I to commercial means the provider does); only the
providers they leave are checked service by service, here: the answer alone in numpy steps
over their services (``matching_providers``), or, with the counts, one pass that gives the
exact answer and the counts of every service facet under the same rule.

The rule, per service: its capability is one chosen (all of them need one each, or any
one, as the buyer chose); it serves a chosen modality; it covers the whole coverage
range; its phase range meets a chosen stage and a chosen phase; and it is done in a
chosen country or region. Where a service has no sites recorded, its provider's
headquarters and sites stand in ("site not stated").
"""

from array import array
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from providers import regions
from providers.directory.bitsets import (
    as_bytes,
    bits_from_positions,
    positions_array,
    positions_from_bits,
)

SERVICE_FACETS = ("capability", "modality", "stage", "phase", "region", "country")
MODES = {"all": "all of them, one partner", "any": "any of them"}


def _bit_array(bits: int) -> array | list:
    """An empty array of unsigned ints of at least ``bits`` bits (a list past 64)."""
    for typecode in "BHIQ":
        if bits <= 8 * array(typecode).itemsize:
            return array(typecode)
    return []


class ServiceTable:
    """Every published provider's services as flat arrays, in index position order.

    ``services``: per provider position, its services as columns (capability ids, first
    phases, last phases, modality ids as comma-separated text, site countries as
    comma-separated text or None when no site is recorded; all None when it has none);
    ``countries``: per position, the provider's own countries, which stand in for a
    service's unstated sites.

    Where a service is done is the number of its place set (``place_sets``: country
    numbers, in the order of their codes): a large directory's services share about a
    thousand such sets, so two bytes a service say it, where its own list of countries took
    six or more.
    """

    def __init__(self, modality_ids: list[int], capability_ids=()):
        """An empty table; ``extend`` fills it, in position order, and ``done`` ends that.
        Its columns are the narrowest arrays that hold the catalogue's ids and modality bits
        (a catalogue change builds a new table)."""
        self.modality_bit = {pk: 1 << number for number, pk in enumerate(modality_ids)}
        self.modality_of_bit = {bit: pk for pk, bit in self.modality_bit.items()}
        self.country_codes: list[str] = []
        self.country_number: dict[str, int] = {}
        self.start = array("I", [0])
        self.capability = array("H" if max(capability_ids, default=0) < 1 << 16 else "I")
        self.first = array("B")
        self.last = array("B")
        # one bit per modality: the narrowest unsigned array that holds them (a list past 64)
        self.modalities = _bit_array(len(modality_ids))
        self.site_known = array("B")
        self.places = array("H")  # per service: the number of its place set
        self.place_sets: list[tuple[int, ...]] = []
        self.place_set_number: dict[tuple[int, ...], int] = {}
        # Many services share their modalities and places: while filling, each text is read
        # once.
        self._read = (_Memo(self._modality_bits), _Memo(self._place_set_of_text))

    def extend(self, services, countries) -> None:
        """Add the next providers' services: ``services`` and ``countries`` as in the class
        docstring, one entry per provider."""
        modality_bits, place_sets = self._read
        start, capability = self.start, self.capability
        for (capabilities, firsts, lasts, modalities, places), own_countries in zip(
            services, countries, strict=True
        ):
            if capabilities:  # None: no service
                capability.extend(capabilities)
                self.first.extend(firsts)
                self.last.extend(lasts)
                self.modalities.extend(map(modality_bits.__getitem__, modalities))
                self.site_known.extend([codes is not None for codes in places])
                fallback = ",".join(own_countries or ()) if None in places else ""
                self._add_places(
                    [place_sets[fallback if codes is None else codes] for codes in places]
                )
            start.append(len(capability))

    def done(self) -> "ServiceTable":
        del self._read
        return self

    def _modality_bits(self, ids: str) -> int:
        bits = 0
        for pk in ids.split(",") if ids else ():
            bits |= self.modality_bit.get(int(pk), 0)
        return bits

    def _place_numbers(self, codes: str) -> tuple[int, ...]:
        return tuple(self._country(code) for code in sorted(set(codes.split(",")) - {""}))

    def _place_set_of_text(self, codes: str) -> int:
        return self._place_set(self._place_numbers(codes))

    def _place_set(self, numbers: tuple[int, ...]) -> int:
        """The number of the place set ``numbers`` (country numbers), added if new."""
        number = self.place_set_number.get(numbers)
        if number is None:
            number = self.place_set_number[numbers] = len(self.place_sets)
            self.place_sets.append(numbers)
        return number

    def _add_places(self, numbers: list[int]) -> None:
        """Append services' place set numbers, widening the column once they outgrow it."""
        if self.places.typecode == "H" and len(self.place_sets) > 1 << 16:
            self.places = array("I", self.places)
        self.places.extend(numbers)

    def place_members(self) -> np.ndarray:
        """Which countries each place set holds: a boolean matrix, one row per place set and
        one column per country number, made on first use (again once either grew)."""
        shape = (len(self.place_sets), len(self.country_codes))
        members = self.__dict__.get("_place_members")
        if members is None or members.shape != shape:
            members = np.zeros(shape, dtype=bool)
            lengths = [len(numbers) for numbers in self.place_sets]
            rows = np.repeat(np.arange(len(lengths)), lengths)
            columns = np.fromiter(chain.from_iterable(self.place_sets), np.int64, sum(lengths))
            members[rows, columns] = True
            self._place_members = members
        return members

    def places_of(self, service: int) -> tuple[int, ...]:
        """The country numbers where the service numbered ``service`` is done."""
        return self.place_sets[self.places[service]]

    def _rows(self, columns, countries) -> list[tuple]:
        """One provider's services (``columns`` as in the constructor) as (capability,
        first, last, modality bits, site known, country numbers), one tuple a service."""
        capabilities, firsts, lasts, modalities, places = columns
        if not capabilities:  # None: no service
            return []
        fallback = ",".join(countries or ())
        return [
            (
                capability,
                first,
                last,
                self._modality_bits(ids),
                codes is not None,
                self._place_numbers(fallback if codes is None else codes),
            )
            for capability, first, last, ids, codes in zip(
                capabilities, firsts, lasts, modalities, places, strict=True
            )
        ]

    def patched(self, removals: list[int], insertions: list[tuple[int, tuple]]) -> "ServiceTable":
        """A copy without the providers at ``removals`` (old positions, descending) and with
        the services of new ones at ``insertions`` ((new position, (services as columns,
        the provider's countries)), ascending): one pass copies the runs of providers that
        stay (whole slices of the flat arrays; their offsets shifted only where the
        changes before them moved them) around the services of those that enter."""
        if [position for position, _columns in insertions] == sorted(removals) and all(
            self._holds(position, columns) for position, columns in insertions
        ):
            # Providers that stayed in place with the same services (an edit of a name,
            # summary or evidence, most edits): this table, shared, instead of a copy.
            return self
        new = object.__new__(ServiceTable)
        new.__dict__.update(self.__dict__)
        new.__dict__.pop("_read", None)
        new.country_codes = list(self.country_codes)
        new.country_number = dict(self.country_number)
        new.place_sets = list(self.place_sets)
        new.place_set_number = dict(self.place_set_number)
        per_service = ("capability", "first", "last", "modalities", "site_known", "places")
        for name in per_service:
            setattr(new, name, getattr(self, name)[:0])
        start = self.start
        new.start = start[:0]

        def copy(low: int, high: int) -> None:
            """The providers at old positions low .. high - 1, as they were."""
            if low >= high:
                return
            first, last = start[low], start[high]
            _extend_shifted(new.start, start[low:high], len(new.capability) - first)
            for name in per_service:
                target, part = getattr(new, name), getattr(self, name)[first:last]
                if isinstance(part, array) and part.typecode != target.typecode:
                    part = array(target.typecode, part)  # the copy's places widened
                target.extend(part)

        def add(columns) -> None:
            new.start.append(len(new.capability))
            for capability, first, last, bits, known, numbers in new._rows(*columns):
                new.capability.append(capability)
                new.first.append(first)
                new.last.append(last)
                new.modalities.append(bits)
                new.site_known.append(known)
                new._add_places([new._place_set(numbers)])

        size = len(start) - 1
        removed = sorted(removals)
        staying = []  # runs of old positions that stay: (low, high)
        low = 0
        for position in removed:
            staying.append((low, position))
            low = position + 1
        staying.append((low, size))
        placed = 0  # providers in the copy so far
        runs = iter(staying)
        run_low, run_high = next(runs)
        for position, columns in insertions:
            while placed < position:  # the providers that stay before it
                if run_low == run_high:
                    run_low, run_high = next(runs, (None, None))
                    if run_low is None:
                        raise ValueError("A provider enters past the end of the table.")
                    continue
                take = min(run_high - run_low, position - placed)
                copy(run_low, run_low + take)
                run_low += take
                placed += take
            add(columns)
            placed += 1
        copy(run_low, run_high)
        for run_low, run_high in runs:
            copy(run_low, run_high)
        new.start.append(len(new.capability))
        return new

    def _holds(self, position: int, columns) -> bool:
        """Whether the services at ``position`` are those of ``columns`` (services as
        columns, the provider's countries), read without adding to the table."""
        if any(code not in self.country_number for code in _codes_of(*columns)):
            return False
        first, last = self.start[position], self.start[position + 1]
        held = [
            (
                self.capability[number],
                self.first[number],
                self.last[number],
                self.modalities[number],
                bool(self.site_known[number]),
                self.places_of(number),
            )
            for number in range(first, last)
        ]
        return held == self._rows(*columns)

    def _country(self, code: str) -> int:
        number = self.country_number.get(code)
        if number is None:
            number = self.country_number[code] = len(self.country_codes)
            self.country_codes.append(code)
        return number

    def nbytes(self) -> int:
        arrays = (
            self.start,
            self.capability,
            self.first,
            self.last,
            self.site_known,
            self.places,
        )
        modalities = self.modalities
        width = modalities.itemsize if isinstance(modalities, array) else 8
        place_sets = sum(64 + 8 * len(numbers) for numbers in self.place_sets) * 2
        members = self.__dict__.get("_place_members")  # made on first use
        if members is not None:
            place_sets += members.nbytes
        return (
            sum(item.itemsize * len(item) for item in arrays) + width * len(modalities) + place_sets
        )


def _codes_of(services, countries) -> set[str]:
    """The country codes a provider's services (as columns) and its own countries name."""
    places = services[4] if services and services[0] else ()
    found = set(countries or ())
    for codes in places:
        found.update((codes or "").split(","))
    return found - {""}


def _extend_shifted(target: array, part: array, shift: int) -> None:
    """Append ``part`` (offsets, unsigned 32-bit) to ``target`` with ``shift`` added to each:
    in one numpy step, as the offsets after a provider whose services changed in number
    are a hundred thousand or more."""
    if not shift:
        target.extend(part)
        return
    shifted = np.frombuffer(part, dtype=np.uint32).astype(np.int64) + shift
    target.frombytes(shifted.astype(np.uint32).tobytes())


class _Memo(dict):
    """A function's results by argument, each worked out once."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


@dataclass
class Criteria:
    """What one service must satisfy; ``None`` where the buyer chose nothing."""

    capabilities: list[int] = field(default_factory=list)  # capability ids
    every: bool = True  # all chosen capabilities (one service each), or any of them
    modality_bits: int = 0
    cover: tuple[int, int] | None = None
    stage_phases: frozenset[int] | None = None
    phases: frozenset[int] | None = None
    countries: frozenset[str] | None = None
    region_countries: frozenset[str] | None = None

    def failing(self, first: int, last: int, modality_bits: int, countries) -> set[str]:
        """The service facets a service with these values does not satisfy."""
        failed: set[str] = set()
        if self.modality_bits and not modality_bits & self.modality_bits:
            failed.add("modality")
        if self.cover and not (first <= self.cover[0] and self.cover[1] <= last):
            failed.add("coverage")
        if self.stage_phases is not None and not any(
            first <= phase <= last for phase in self.stage_phases
        ):
            failed.add("stage")
        if self.phases is not None and not any(first <= phase <= last for phase in self.phases):
            failed.add("phase")
        if self.countries is not None and self.countries.isdisjoint(countries):
            failed.add("country")
        if self.region_countries is not None and self.region_countries.isdisjoint(countries):
            failed.add("region")
        return failed


def criteria_for(index, query) -> Criteria | None:
    """The service criteria of a query, or None when no capability or modality is chosen
    (then the facets keep their provider-level meaning)."""
    facets = query.facets
    modalities = [*(facets.get("modality") or []), *getattr(query, "text_modalities", [])]
    if not (facets.get("capability") or modalities):
        return None
    catalogue = index.catalogue
    capability_by_slug = {row.slug: pk for pk, row in catalogue.capabilities.items()}
    modality_by_slug = {row.slug: pk for pk, row in catalogue.modalities.items()}
    criteria = Criteria(
        capabilities=[capability_by_slug[slug] for slug in facets.get("capability") or []],
        every=query.capability_mode != "any",
    )
    for slug in modalities:
        criteria.modality_bits |= index.services.modality_bit.get(modality_by_slug[slug], 0)
    if query.cover_from:
        criteria.cover = (query.cover_from, query.cover_to)
    if facets.get("stage"):
        chosen = set(facets["stage"])
        criteria.stage_phases = frozenset(
            phase.position for phase in catalogue.phases if phase.stage.slug in chosen
        )
    if facets.get("phase"):
        criteria.phases = frozenset(
            catalogue.phase_by_slug[slug].position for slug in facets["phase"]
        )
    if facets.get("country"):
        criteria.countries = frozenset(facets["country"])
    if facets.get("region"):
        chosen = set(facets["region"])
        criteria.region_countries = frozenset(
            code for code in index.bits["country"] if regions.region_of(code) in chosen
        )
    return criteria


# Above this many providers to look at, the counts of the service facets stay provider-level
# (the page says so) and only the answer itself is checked service by service.
COUNT_PASS_LIMIT = 3000


def only_provider_level(criteria: Criteria) -> bool:
    """True when the provider-level bitsets already give the exact answer: only capabilities
    (one service each, whatever else), or only modalities, are asked for."""
    others = (
        criteria.cover,
        criteria.stage_phases,
        criteria.phases,
        criteria.countries,
        criteria.region_countries,
    )
    if any(value is not None for value in others):
        return False
    return not (criteria.capabilities and criteria.modality_bits)


# Candidates whose services are checked in one numpy step: bounds the step's arrays (about
# 30 bytes a service) whatever the number of candidates.
MATCH_CHUNK = 1 << 16


def matching_providers(index, criteria: Criteria, candidates: int) -> int:
    """Of ``candidates`` (which the provider-level bitsets allow), those where one service
    per chosen capability (or one service, with ``any``) meets every criterion.

    In numpy, over the candidates' services at once: each criterion is a mask over them
    (a place criterion is worked out once per place set, not per service), and a provider
    matches when its passing services cover every chosen capability (or one is left)."""
    table = index.services
    positions = positions_array(candidates)
    place_ok = _place_sets_allowed(table, criteria)
    matched: list[int] = []
    for low in range(0, len(positions), MATCH_CHUNK):
        part = positions[low : low + MATCH_CHUNK]
        matched += part[_matching_in(table, criteria, part, place_ok)].tolist()
    return bits_from_positions(matched, index.size)


def _place_sets_allowed(table: ServiceTable, criteria: Criteria) -> np.ndarray | None:
    """Per place set, whether it meets the country and region criteria (None: there are
    none)."""
    if criteria.countries is None and criteria.region_countries is None:
        return None
    number = table.country_number
    members = table.place_members()
    allowed = np.ones(len(members), dtype=bool)
    for codes in (criteria.countries, criteria.region_countries):
        if codes is not None:
            allowed &= members[:, sorted(number[code] for code in codes if code in number)].any(1)
    return allowed


def _matching_in(
    table: ServiceTable, criteria: Criteria, positions: np.ndarray, place_ok: np.ndarray | None
) -> np.ndarray:
    """Which of the providers at ``positions`` match (indexes into ``positions``)."""
    start = _column(table.start)
    first_service = start[positions].astype(np.int64)
    counts = start[positions + 1].astype(np.int64) - first_service
    owner = np.repeat(np.arange(len(positions)), counts)  # the provider of each service
    services = np.arange(len(owner)) + np.repeat(
        first_service - (np.cumsum(counts) - counts), counts
    )
    capability = _column(table.capability)[services]
    passing = np.ones(len(services), dtype=bool)
    chosen = sorted(set(criteria.capabilities))
    if chosen:
        passing &= np.isin(capability, chosen)
    if criteria.modality_bits:
        modalities = table.modalities
        if isinstance(modalities, array):
            bits = _column(modalities)[services]
        else:  # past 64 modalities, Python ints: only the candidates' services are read
            bits = np.array([modalities[service] for service in services.tolist()], dtype=object)
        passing &= (bits & criteria.modality_bits) != 0
    first, last = _column(table.first)[services], _column(table.last)[services]
    if criteria.cover:
        passing &= (first <= criteria.cover[0]) & (last >= criteria.cover[1])
    for phases in (criteria.phases, criteria.stage_phases):
        if phases is not None:
            within = np.zeros(len(services), dtype=bool)
            for phase in phases:
                within |= (first <= phase) & (phase <= last)
            passing &= within
    if place_ok is not None:
        passing &= place_ok[_column(table.places)[services]]
    need_all = len(chosen) if criteria.every and chosen else 1
    if need_all == 1:
        return np.unique(owner[passing])
    # A passing service of each chosen capability: count each provider's distinct ones.
    width = int(capability.max(initial=0)) + 1
    pairs = np.unique(owner[passing] * width + capability[passing])
    return np.flatnonzero(np.bincount(pairs // width, minlength=len(positions)) >= need_all)


def _column(values: array) -> np.ndarray:
    """A column of the service table as a numpy array viewing its memory."""
    return np.frombuffer(values, dtype=values.typecode)


def _has(data: bytes, position: int) -> bool:
    byte = position >> 3
    return byte < len(data) and bool(data[byte] >> (position & 7) & 1)


@dataclass
class ServiceAnswer:
    matched: int  # providers meeting the service criteria (before type, industry, ...)
    counts: dict[str, dict[str, int]]  # service facet -> option key -> providers


def service_pass(
    index, criteria: Criteria, prefilter: dict[str, int], scope: int, wider: int
) -> ServiceAnswer:
    """Check the providers the bitsets leave, service by service.

    ``prefilter``: per service facet the buyer used (and "coverage"), the provider-level
    bitset; ``scope``: the providers every other filter allows (the base of the service
    facets' counts); ``wider``: those all but one of the other filters allow (``matched``
    is exact over them, for the other facets' counts).
    """
    table = index.services
    catalogue = index.catalogue
    chosen_facets = set(prefilter)
    everything = wider
    for mask in prefilter.values():
        everything &= mask
    # The base of each facet's counts: every service facet but its own holds at provider level.
    bases: dict[str, int] = {}
    for facet in SERVICE_FACETS:
        base = scope
        for name, mask in prefilter.items():
            if name != facet:
                base &= mask
        bases[facet] = base
    if criteria.every and criteria.capabilities:
        bases["capability"] = scope & everything
    union = everything
    for base in bases.values():
        union |= base
    base_bytes = {facet: as_bytes(bits) for facet, bits in bases.items()}
    all_bytes = as_bytes(everything)

    chosen_capabilities = criteria.capabilities
    chosen_set = set(chosen_capabilities)
    capability_slug = {pk: row.slug for pk, row in catalogue.capabilities.items()}
    modality_slug = {
        table.modality_bit[pk]: row.slug
        for pk, row in catalogue.modalities.items()
        if pk in table.modality_bit
    }
    phase_slug = {phase.position: phase.slug for phase in catalogue.phases}
    stage_of = {phase.position: phase.stage.slug for phase in catalogue.phases}
    codes = table.country_codes

    counts: dict[str, dict[str, int]] = {facet: {} for facet in SERVICE_FACETS}
    matched: list[int] = []
    start, capability_of, firsts, lasts = table.start, table.capability, table.first, table.last
    modalities, places_of = table.modalities, table.places
    # What a service fails is a set of flags (FLAGS) and what it reaches, per facet, a set of
    # options; both depend on a few values shared by many services (the phase range, the
    # modality bits, the places), so each is worked out once per pass.
    allowed = 0
    for name in chosen_facets | {"coverage"}:
        allowed |= FLAGS.get(name, 0)
    by_range: dict[tuple[int, int], tuple[int, frozenset, frozenset]] = {}
    by_modalities: dict[int, tuple[int, frozenset]] = {}
    by_places: dict[int, tuple[int, frozenset, frozenset]] = {}  # by place set
    counted_facets = [(facet, FLAGS[facet]) for facet in SERVICE_FACETS if facet != "capability"]
    wanted = list(chosen_capabilities) if chosen_capabilities and criteria.every else ["any"]
    for position in positions_from_bits(union):
        counted = [facet for facet in SERVICE_FACETS if _has(base_bytes[facet], position)]
        check = _has(all_bytes, position)
        if not counted and not check:
            continue
        counted_other = [(facet, flag) for facet, flag in counted_facets if facet in counted]
        # per group (a chosen capability, or one group) and facet: the options reachable
        groups: dict[object, dict[str, set[str]]] = {}
        full_groups: set[object] = set()
        capability_options: set[str] = set()
        for service in range(start[position], start[position + 1]):
            capability = capability_of[service]
            span = (firsts[service], lasts[service])
            range_facts = by_range.get(span)
            if range_facts is None:
                range_facts = by_range[span] = _range_facts(criteria, span, stage_of, phase_slug)
            bits = modalities[service]
            modality_facts = by_modalities.get(bits)
            if modality_facts is None:
                modality_facts = by_modalities[bits] = _modality_facts(
                    criteria, bits, modality_slug
                )
            place_set = places_of[service]
            place_facts = by_places.get(place_set)
            if place_facts is None:
                place_facts = by_places[place_set] = _place_facts(
                    criteria, table.place_sets[place_set], codes
                )
            failed = (range_facts[0] | modality_facts[0] | place_facts[0]) & allowed
            if not failed:
                capability_options.add(capability_slug.get(capability, ""))
            if chosen_capabilities:
                if capability not in chosen_set:
                    continue
                group: object = capability if criteria.every else "any"
            else:
                group = "any"
            if not failed:
                full_groups.add(group)
            # Fails coverage, or two facets or more: reaches nothing any facet counts.
            if failed & COVERAGE or failed & (failed - 1):
                continue
            reach = groups.setdefault(group, {})
            for facet, flag in counted_other:
                if failed and flag != failed:
                    continue  # reaches only the options of the one facet it fails
                found = reach.setdefault(facet, set())
                if flag == MODALITY:
                    found.update(modality_facts[1])
                elif flag == STAGE:
                    found.update(range_facts[1])
                elif flag == PHASE:
                    found.update(range_facts[2])
                elif flag == COUNTRY:
                    found.update(place_facts[1])
                else:
                    found.update(place_facts[2])
        if check and all(group in full_groups for group in wanted):
            matched.append(position)
        for facet in counted:
            if facet == "capability":
                options = capability_options
                if (
                    criteria.every
                    and chosen_capabilities
                    and not (check and all(group in full_groups for group in wanted))
                ):
                    continue
            else:
                reached = [groups.get(group, {}).get(facet, set()) for group in wanted]
                options = set.intersection(*reached) if reached else set()
            table_counts = counts[facet]
            for key in options:
                table_counts[key] = table_counts.get(key, 0) + 1
    return ServiceAnswer(bits_from_positions(matched, index.size), counts)


# The service facets a service can fail, as flags (``Criteria.failing`` in sets of names).
MODALITY, COVERAGE, STAGE, PHASE, COUNTRY, REGION = 1, 2, 4, 8, 16, 32
FLAGS = {
    "modality": MODALITY,
    "coverage": COVERAGE,
    "stage": STAGE,
    "phase": PHASE,
    "country": COUNTRY,
    "region": REGION,
}


def _flags(names: set[str]) -> int:
    flags = 0
    for name in names:
        flags |= FLAGS[name]
    return flags


def _range_facts(criteria: Criteria, span: tuple[int, int], stage_of, phase_slug):
    """A phase range: what it fails of coverage, stage and phase, and the stages and
    phases it reaches."""
    first, last = span
    failed = _flags(criteria.failing(first, last, 0, ()) - {"modality", "country", "region"})
    inside = range(first, last + 1)
    return (
        failed,
        frozenset(stage_of[p] for p in inside if p in stage_of),
        frozenset(phase_slug[p] for p in inside if p in phase_slug),
    )


def _modality_facts(criteria: Criteria, bits: int, modality_slug: dict[int, str]):
    failed = MODALITY if criteria.modality_bits and not bits & criteria.modality_bits else 0
    return failed, frozenset(slug for bit, slug in modality_slug.items() if bits & bit)


def _place_facts(criteria: Criteria, places: tuple, codes: list[str]):
    """Where a service is done (country numbers): what it fails of country and region,
    and the countries and regions it reaches."""
    countries = frozenset(codes[number] for number in places)
    failed = 0
    if criteria.countries is not None and criteria.countries.isdisjoint(countries):
        failed |= COUNTRY
    if criteria.region_countries is not None and criteria.region_countries.isdisjoint(countries):
        failed |= REGION
    return failed, countries, frozenset(regions.region_of(code) for code in countries)


def matched_services(index, criteria: Criteria, services: list, countries) -> list:
    """Of one provider's services (card rows: capability id, first, last, modality ids,
    sites, ...), those that answer the buyer's criteria; ``countries``, the provider's,
    stand in for a service's unstated sites."""
    table = index.services
    found = []
    for service in services:
        capability, first, last, modality_ids, sites = service[:5]
        if criteria.capabilities and capability not in criteria.capabilities:
            continue
        bits = 0
        for pk in modality_ids:
            bits |= table.modality_bit.get(pk, 0)
        place = {site[2] for site in sites} or set(countries)
        if not criteria.failing(first, last, bits, place):
            found.append(service)
    return found
