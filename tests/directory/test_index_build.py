"""The index is built a column at a time from one query per build, and patched from the
same query for the changed providers only. Both must give what the rule per provider
gives: the index built afresh after each edit of a seeded directory equals the patched
one (bitsets and so counts, the service table, every word's postings), every provider
is in exactly the options its own row names, and a patch's queries do not grow with the
number of providers it patches."""

import datetime
import random
import re
from array import array

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import Phase
from providers.directory import index as index_module
from providers.directory.wordindex import FIELDS
from providers.models import (
    Capability,
    Certification,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
)
from providers.regulatory import SiteIdentity
from tests.directory.test_index_updates import same_index, service_places
from tests.factories import make_provider

CITIES = [
    ("Cork", "IE"),
    ("Basel", "CH"),
    ("Lyon", "FR"),
    ("Saint-Étienne", "FR"),
    ("Hyderabad", "IN"),
    ("Boston", "US"),
]
SUMMARY_WORDS = [
    *("spray-dried", "fill-finish", "oligonucleotide", "peptides", "biologics", "sterile"),
    *("lyophilised", "analytical", "kilo-lab", "scale-up", "GMP", "300-479-5989"),
]


def seeded_directory(seed: int = 7, count: int = 24) -> random.Random:
    """``count`` providers drawn at random (but always the same for a seed) from the
    catalogue: types, stated modalities, services with their own modalities and sites,
    sites with certifications and regulator identifiers, drafts among them."""
    rng = random.Random(seed)
    capabilities = list(Capability.objects.order_by("slug").values_list("slug", flat=True))
    modalities = list(Modality.objects.order_by("slug").values_list("slug", flat=True))
    types = list(ProviderType.objects.order_by("slug").values_list("slug", flat=True))
    certifications = list(Certification.objects.order_by("slug").values_list("slug", flat=True))
    tracks: dict[int, list[int]] = {}
    for track, position in Phase.objects.order_by("position").values_list("track", "position"):
        tracks.setdefault(track, []).append(position)
    for number in range(count):
        sites = [
            {
                "name": f"Site {place}",
                "city": city,
                "country": country,
                "certifications": rng.sample(certifications, rng.randint(0, 2)),
            }
            for place, (city, country) in enumerate(rng.sample(CITIES, rng.randint(0, 2)))
        ]
        services = []
        for capability in rng.sample(capabilities, rng.randint(0, 3)):
            phases = rng.choice(list(tracks.values()))
            first = rng.randrange(len(phases))
            last = rng.randrange(first, len(phases))
            parts: dict = {}
            if rng.random() < 0.5:
                parts["modalities"] = tuple(rng.sample(modalities, rng.randint(1, 2)))
            if sites and rng.random() < 0.5:
                parts["sites"] = (sites[-1]["name"],)
            services.append((capability, phases[first], phases[last], parts))
        provider = make_provider(
            f"{rng.choice(['Acme', 'Nova', 'zeta'])} {rng.choice(['Labs', 'Bio'])} {number}",
            slug=f"seeded-{number}",
            types=tuple(rng.sample(types, rng.randint(1, 2))),
            hq_country=rng.choice(["US", "DE", "IE", "IN", "CH"]),
            services=services,
            modalities=tuple(rng.sample(modalities, rng.randint(0, 2))),
            sites=sites,
            summary=" ".join(rng.sample(SUMMARY_WORDS, 4)),
            status=rng.choice(["published"] * 5 + ["draft"]),
            state="confirmed" if rng.random() < 0.3 else "compiled",
            state_on=datetime.date(2026, rng.randint(1, 11), rng.randint(1, 28)),
        )
        for site in provider.sites.order_by("id")[: rng.randint(0, 1)]:
            SiteIdentity.objects.create(site=site, scheme="fei", value=f"30{number:08d}")
            SiteIdentity.objects.create(
                site=site, scheme="eu-authorisation", value=f"MIA {number:04d}-{seed:03d}"
            )
    return rng


def same_words(patched, fresh) -> None:
    """Every word and pair of words has the same postings in both indexes."""
    keys = {word for word, _field in (*fresh.words.dense, *fresh.words.sparse)}
    keys |= set(patched.words.vocabulary()) | set(fresh.words.vocabulary())
    for key in sorted(keys):
        assert patched.words.postings(patched, key) == fresh.words.postings(fresh, key), key


def edits(rng: random.Random) -> list:
    """Curator edits of every kind the index reads, on providers picked by ``rng``."""
    slug = lambda: f"seeded-{rng.randrange(24)}"  # noqa: E731
    modalities = list(Modality.objects.order_by("slug"))
    return [
        lambda: Provider.objects.filter(slug=slug()).update(name="Aardvark Analytical"),
        lambda: Provider.objects.filter(slug=slug()).update(summary="Kilo-lab spray-dried work"),
        lambda: Service.objects.get(
            pk=rng.choice(sorted(Service.objects.values_list("pk", flat=True)))
        ).delete(),
        lambda: Site.objects.filter(provider__slug=slug()).update(city="Ringaskiddy"),
        lambda: Provider.objects.get(slug=slug()).modalities.set(rng.sample(modalities, 2)),
        lambda: [
            service.modalities.set(rng.sample(modalities, 1))
            for service in Service.objects.filter(provider__slug=slug())
        ],
        lambda: Provider.objects.filter(slug=slug()).update(status="draft"),
        lambda: Provider.objects.filter(status="draft").update(status="published"),
        lambda: Provider.objects.filter(slug=slug()).update(
            state="confirmed", state_on=datetime.date(2026, 11, 3)
        ),
        lambda: make_provider(
            "Mid Name Co", slug="mid-name-co", services=[("glp-toxicology", 2, 3)]
        ),
    ]


@pytest.mark.django_db
def test_a_patched_index_is_the_index_built_afresh_after_every_edit(settings):
    settings.DIRECTORY_BACKGROUND_REBUILD = False
    rng = seeded_directory()
    index = index_module.get_index()
    assert index.size > 10 and index.services.start[-1] > 10
    for edit in edits(rng):
        edit()
        patched = index_module.get_index()
        fresh = index_module.build_index()
        assert patched.words.changed, "patched, not built anew"
        same_index(patched, fresh)
        same_words(patched, fresh)
        for facet, table in fresh.bits.items():
            counts = {key: bits.bit_count() for key, bits in table.items() if bits}
            assert counts == {
                key: bits.bit_count() for key, bits in patched.bits[facet].items() if bits
            }, facet


@pytest.mark.django_db
def test_each_provider_is_in_the_options_and_services_its_own_row_names():
    """The column-at-a-time build applies the rule a patch applies to one row."""
    seeded_directory(seed=11)
    index = index_module.build_index()
    with connection.cursor() as cursor:
        cursor.execute(
            index_module.INDEX_IDS_SQL, {**index_module.INDEX_PARAMS, "ids": list(index.ids)}
        )
        rows = [index_module._index_row(row) for row in cursor.fetchall()]
    assert [row[0] for row in rows] == list(index.ids)
    table = index.services
    for position, row in enumerate(rows):
        found = {
            (facet, key)
            for facet, options in index.bits.items()
            if facet != "region"
            for key, bits in options.items()
            if bits >> position & 1
        }
        assert found == index._row_members(row), row[0]
        services = table._rows(*index_module._services_of(row))
        first, last = table.start[position], table.start[position + 1]
        assert [service[:5] for service in services] == [
            (
                table.capability[at],
                table.first[at],
                table.last[at],
                table.modalities[at],
                bool(table.site_known[at]),
            )
            for at in range(first, last)
        ]
        assert [[table.country_codes[n] for n in service[5]] for service in services] == [
            [table.country_codes[n] for n in table.places_of(at)] for at in range(first, last)
        ]
        words = index_module._text_of(row).keys()
        for field_number in FIELDS:
            for word in words[field_number]:
                assert index.words.postings(index, word)[field_number] >> position & 1, word


@pytest.mark.django_db
def test_a_patch_reads_as_many_queries_for_one_provider_as_for_many():
    seeded_directory(seed=3)
    index = index_module.build_index()
    published = Provider.objects.filter(slug__startswith="seeded-", status="published")
    first, *others = published.order_by("id").values_list("pk", flat=True)
    Provider.objects.filter(pk=first).update(summary="Spray-dried peptides")
    with CaptureQueriesContext(connection) as one:
        index = index_module.update_index(index)
    assert index.words.changed == {first}
    Provider.objects.filter(pk__in=others[::2]).update(summary="Sterile fill-finish")
    with CaptureQueriesContext(connection) as many:
        index = index_module.update_index(index)
    assert len(index.words.changed) > 5, "patched, not built anew"
    assert len(many) == len(one) <= 8
    same_index(index, index_module.build_index())


@pytest.mark.django_db
def test_an_edit_that_keeps_the_name_keeps_the_place_with_one_comparison():
    seeded_directory(seed=4)
    index = index_module.build_index()
    published = Provider.objects.filter(slug__startswith="seeded-", status="published")
    pk = published.order_by("name").values_list("pk", flat=True)[5]
    Provider.objects.filter(pk=pk).update(summary="Spray-dried peptides")
    with CaptureQueriesContext(connection) as queries:
        patched = index_module.update_index(index)
    comparisons = [q for q in queries.captured_queries if "pair(changed, probe)" in q["sql"]]
    # One query, with its two neighbours; not a search of the whole order.
    assert len(comparisons) == 1
    probes = re.search(r"unnest\('\{([\d,]*)\}'", comparisons[0]["sql"]).group(1)
    assert len(probes.split(",")) == 2
    assert patched.position_of[pk] == index.position_of[pk]
    # The bitsets its edit leaves alone are the same ints, not copies.
    for facet in ("type", "capability", "country"):
        assert all(patched.bits[facet][key] is bits for key, bits in index.bits[facet].items())
    same_index(patched, index_module.build_index())


def test_the_service_table_spliced_is_the_table_built_afresh():
    """Providers leaving and entering anywhere (first, last, next to each other, all of
    them): the spliced table is the one built from the providers that remain."""
    from providers.directory.matching import ServiceTable

    rng = random.Random(5)

    def provider():
        count = rng.randint(0, 3)
        if not count:
            return (None,) * 5, ["FR"]
        return (
            [rng.randint(1, 9) for _ in range(count)],
            [rng.randint(1, 3) for _ in range(count)],
            [rng.randint(3, 7) for _ in range(count)],
            [rng.choice(["", "1", "1,2"]) for _ in range(count)],
            [rng.choice([None, "DE", "FR,US"]) for _ in range(count)],
        ), rng.choice([["FR"], ["IN", "US"], []])

    def table(providers):
        built = ServiceTable([1, 2])
        built.extend([columns for columns, _ in providers], [codes for _, codes in providers])
        return built.done()

    def contents(found):
        return (
            *(list(getattr(found, name)) for name in ("start", "capability", "first", "last")),
            *(list(getattr(found, name)) for name in ("modalities", "site_known")),
            service_places(found),
        )

    for _trial in range(500):
        providers = [provider() for _ in range(rng.randint(0, 8))]
        removals = sorted(rng.sample(range(len(providers)), rng.randint(0, len(providers))))
        remaining = [entry for at, entry in enumerate(providers) if at not in removals]
        insertions: list[tuple[int, tuple]] = []
        for _ in range(rng.randint(0, 3)):
            at, entry = rng.randint(0, len(remaining)), provider()
            remaining.insert(at, entry)
            insertions = [(p + (p >= at), e) for p, e in insertions] + [(at, entry)]
        patched = table(providers).patched(removals[::-1], sorted(insertions, key=lambda i: i[0]))
        assert contents(patched) == contents(table(remaining))


@pytest.mark.django_db
def test_the_parts_made_again_after_the_build_are_the_parts_it_made(monkeypatch):
    """``_repack`` writes out and reads back the word index and the option lists once the
    build's rows are freed (for memory): nothing of them is lost on the way."""
    seeded_directory(seed=5)
    compacted = index_module.build_index()
    monkeypatch.setattr(index_module, "_repack", lambda index: None)
    as_built = index_module.build_index()
    same_words(compacted, as_built)
    assert compacted.words.sorted_words == as_built.words.sorted_words
    assert compacted.known_keys == as_built.known_keys
    assert {
        facet: [(o.key, o.label) for o in options] for facet, options in compacted.options.items()
    } == {facet: [(o.key, o.label) for o in options] for facet, options in as_built.options.items()}


def test_the_service_table_keeps_ids_and_modality_bits_in_the_narrowest_arrays():
    from providers.directory.matching import ServiceTable

    def widths(modalities: int, capabilities: list[int]):
        table = ServiceTable(list(range(1, modalities + 1)), capabilities)
        kept = table.modalities
        return (kept.typecode if isinstance(kept, array) else "list", table.capability.typecode)

    assert widths(8, [1, 109]) == ("B", "H")
    assert widths(11, [65535]) == ("H", "H")
    assert widths(17, [65536]) == ("I", "I")
    assert widths(64, []) == ("Q", "H")
    assert widths(65, []) == ("list", "H")
    table = ServiceTable([1, 2, 3], [70000])
    table.extend([([70000], [1], [3], ["1,3"], [None])], [["FR"]])
    table = table.done()
    assert list(table.capability) == [70000]
    assert list(table.modalities) == [0b101]


def test_the_service_table_keeps_one_number_per_service_for_its_places_and_widens_it():
    """Services share place sets (country numbers, once each); the column of set numbers
    is 16-bit until more sets than that are known, when building or patching."""
    from providers.directory.matching import ServiceTable

    def provider(codes):
        return ([1] * len(codes), [1] * len(codes), [3] * len(codes), [""] * len(codes), codes)

    table = ServiceTable([1])
    table.extend([provider(["FR,US", "US,FR", None, "DE"])], [["US", "FR"]])
    table = table.done()
    assert table.places.typecode == "H"
    assert service_places(table) == [["FR", "US"], ["FR", "US"], ["FR", "US"], ["DE"]]
    assert len(table.place_sets) == 2  # FR and US (however they were named), and DE
    # The matrix of which countries each set holds, once made, counts in the table's size.
    before = table.nbytes()
    held = [
        sorted(code for code, member in zip(table.country_codes, row, strict=True) if member)
        for row in table.place_members().tolist()
    ]
    assert held == [["FR", "US"], ["DE"]]
    assert table.nbytes() == before + table.place_members().nbytes

    # 65,536 sets fill the 16-bit column; one more, by a patch or while building, widens it
    # (and a patch copies the providers after the one that widened it).
    codes = [f"{first:02X},Z{second:03X}" for first in range(256) for second in range(256)]
    full = ServiceTable([1])
    full.extend([provider(codes[:-1]), provider(codes[-1:])], [[], []])
    full = full.done()
    assert (len(full.place_sets), full.places.typecode) == (65536, "H")
    patched = full.patched([], [(1, (provider(["FR", "00,Z000"]), []))])
    assert patched.places.typecode == "I"
    assert full.places.typecode == "H"  # the table patched is left as it was
    before = service_places(full)
    assert service_places(patched) == [*before[:-1], ["FR"], ["00", "Z000"], before[-1]]
    grown = ServiceTable([1])
    grown.extend([provider([*codes, "FR"])], [[]])
    assert grown.done().places.typecode == "I"
    assert service_places(grown)[-1] == ["FR"]


@pytest.mark.django_db
def test_a_set_in_recently_checked_order_puts_each_provider_at_its_rank(settings):
    """The index keeps its bitsets in name order only; ``to_verified`` re-expresses a set
    for a page in "recently checked" order. Each provider's bit lands at its rank, for any
    set, in an index built afresh and in one patched after edits."""
    settings.DIRECTORY_BACKGROUND_REBUILD = False
    rng = seeded_directory(seed=11, count=40)
    index_module.get_index()
    for edit in edits(rng)[:3]:
        edit()
    for index in (index_module.get_index(), index_module.build_index()):
        everyone = list(range(index.size))
        # Where each provider stands in that order, from the ids in that order (not from
        # the ranks to_verified itself uses).
        place = {pk: number for number, pk in enumerate(index.ids_by_verified)}
        for chosen in ([], everyone, rng.sample(everyone, 5), everyone[::3]):
            bits = index_module.bits_from_positions(chosen, index.size)
            expected = index_module.bits_from_positions(
                [place[index.ids[position]] for position in chosen], index.size
            )
            assert index.to_verified(bits) == expected
        # In that order, the providers a person checked most recently come first.
        keys = [index.verified_keys[index.position_of[pk]] for pk in index.ids_by_verified]
        assert keys == sorted(keys)
