"""Changes reach the index by patching the changed providers into a copy of it (from the
change log the database triggers keep), and the patched index is the index a full build
would give: same order, same bitsets, same services, same search answers. Writers that
bypass the ORM's signals (queryset update(), raw SQL) are seen too."""

import datetime
import random

import pytest
from django.db import connection

from providers.directory import index as index_module
from providers.directory.positions import Positions
from providers.directory.search import index_match, query_terms
from providers.models import Provider, Service, Site
from tests.directory.test_directory import names
from tests.factories import make_provider

QUERIES = ["oligo", "biologics", "cork", "ireland", "manufactring", "alpha", "zulu", "paris"]


def service_places(table) -> list[list[str]]:
    """Each service's countries, by code (place set numbers depend on the order of
    building)."""
    return [
        [table.country_codes[number] for number in table.places_of(service)]
        for service in range(len(table.capability))
    ]


def same_index(patched, fresh) -> None:
    assert patched.ids == fresh.ids
    assert patched.ids_by_verified == fresh.ids_by_verified
    assert patched.rank == fresh.rank
    assert patched.position_of == fresh.position_of
    assert patched.verified_position == fresh.verified_position
    assert patched.checked_on == fresh.checked_on
    mine, theirs = patched.bits, fresh.bits
    for facet in theirs:
        for key in set(mine[facet]) | set(theirs[facet]):
            assert mine[facet].get(key, 0) == theirs[facet].get(key, 0), (facet, key)
    for slug in set(patched.backed_capability) | set(fresh.backed_capability):
        assert patched.backed_capability.get(slug, 0) == fresh.backed_capability.get(slug, 0)
    assert patched.backed_any == fresh.backed_any
    mine, theirs = patched.services, fresh.services
    assert list(mine.start) == list(theirs.start)
    for name in ("capability", "first", "last", "site_known"):
        assert list(getattr(mine, name)) == list(getattr(theirs, name)), name
    assert service_places(mine) == service_places(theirs)
    assert list(mine.modalities) == list(theirs.modalities)
    assert patched.options == fresh.options
    for text in QUERIES:
        terms = query_terms(text)
        assert index_match(patched, terms) == index_match(fresh, terms), text


def updated() -> tuple:
    """The index after the last change, and whether it was patched (not rebuilt)."""
    before = index_module._cached
    after = index_module.get_index()
    return after, after is not before and after.words is not before.words and (
        after.words.changed > before.words.changed or after.size != before.size
    )


@pytest.mark.django_db
def test_curator_changes_are_patched_in_and_match_a_full_build(directory):
    first = index_module.get_index()
    assert not first.words.changed
    steps = [
        lambda: make_provider(
            "Zulu Peptides",
            slug="zulu-peptides",
            types=("cdmo",),
            hq_country="FR",
            services=[("process-development", 2, 5)],
            sites=[{"name": "Paris", "city": "Paris", "country": "FR", "certifications": []}],
        ),
        lambda: Provider.objects.filter(slug="alpha-discovery").update(name="Omega Discovery"),
        lambda: Service.objects.filter(provider__slug="beta-biologics").first().delete(),
        lambda: Site.objects.filter(name="Cork plant").update(city="Ringaskiddy"),
        lambda: Provider.objects.filter(slug="delta-oligo").update(
            state="confirmed", state_on=datetime.date(2026, 11, 2)
        ),
        lambda: Provider.objects.filter(slug="gamma-manufacturing").update(status="draft"),
    ]
    for step in steps:
        step()
        patched = index_module.get_index()
        assert patched.words.changed, "patched, not built anew"
        same_index(patched, index_module.build_index())


@pytest.mark.django_db
def test_raw_sql_and_queryset_updates_refresh_what_buyers_see(client, directory):
    assert "Beta Biologics" in client.get("/providers/?q=cork").content.decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE providers_provider SET summary = 'Makes lyophilised xylophage enzymes'"
            " WHERE slug = 'delta-oligo'"
        )
    assert "Delta Oligo" in client.get("/providers/?q=xylophage").content.decode()
    Site.objects.filter(name="Cork plant").update(city="Ringaskiddy")
    assert "Beta Biologics" in client.get("/providers/?q=ringaskiddy").content.decode()
    assert "Beta Biologics" not in client.get("/providers/?q=cork").content.decode()
    Provider.objects.filter(slug="beta-biologics").update(status="draft")
    assert "Beta Biologics" not in client.get("/providers/?q=ringaskiddy").content.decode()


@pytest.mark.django_db
def test_a_catalogue_change_builds_the_index_anew(directory):
    from providers.models import Modality

    first = index_module.get_index()
    Modality.objects.filter(slug="oligonucleotide").update(synonyms="antisense siRNA xenonucleic")
    rebuilt = index_module.get_index()
    assert rebuilt is not first and not rebuilt.words.changed
    assert index_match(rebuilt, ["xenonucleic"]).any


@pytest.mark.django_db
def test_a_hyphenated_term_in_a_changed_summary_is_found_as_a_phrase(client, directory):
    """A phrase ("spray-dried") finds the providers whose own text has it hyphenated, in a
    patched index as in a full build, and not those with its words apart."""
    from providers.directory.search import phrases

    make_provider("Kilo Powders", slug="kilo-powders", summary="Spray-dried dispersions.")
    make_provider("Lima Drying", slug="lima-drying", summary="Spray coating; freeze dried.")
    index_module.get_index()
    Provider.objects.filter(slug="delta-oligo").update(summary="Dried oligos, spray-dried too")
    patched, was_patched = updated()
    assert was_patched
    fresh = index_module.build_index()
    for text in ("spray-dried", "spray dried", "spray-dry"):
        terms, groups = query_terms(text), phrases(text)
        assert index_match(patched, terms, groups) == index_match(fresh, terms, groups), text
    found = names(client.get("/providers/", {"q": "spray-dried"}))
    assert set(found) == {"Kilo Powders", "Delta Oligo"}
    assert "Lima Drying" in names(client.get("/providers/", {"q": "spray dried"}))


@pytest.mark.django_db
def test_modalities_stated_for_the_provider_are_searched_though_no_service_serves_them(
    client, directory
):
    """As in PostgreSQL's search document: a modality stated for the provider as a whole is
    a word of what it does even when each service states its own (so no modality facet)."""
    make_provider(
        "Mike Vectors",
        slug="mike-vectors",
        modalities=("gene-therapy",),
        services=[("process-development", 2, 5, {"modalities": ("oligonucleotide",)})],
    )
    assert "Mike Vectors" in names(client.get("/providers/", {"q": "lentivirus"}))
    assert "Mike Vectors" not in names(
        client.get("/providers/", {"q": "", "modality": "gene-therapy"})
    )


def test_a_patch_moves_only_the_places_that_moved():
    """A patch writes again only the span of places a change touched (``_moved``), which
    must give the same map as one made from scratch, whatever left and came in."""
    rng = random.Random(7)
    for _ in range(500):
        order = rng.sample(range(10_000), rng.randint(1, 60))
        old = Positions.of(order)
        leaving = rng.sample(order, rng.randint(0, min(5, len(order))))
        staying = [item for item in order if item not in leaving]
        coming = [item for item in leaving if rng.random() < 0.7]
        coming += [10_000 + number for number in range(rng.randint(0, 3))]
        new_order = list(staying)
        for item in coming:
            new_order.insert(rng.randint(0, len(new_order)), item)
        removed = sorted((old[item] for item in leaving), reverse=True)
        inserted = sorted(new_order.index(item) for item in coming)
        gone = [item for item in leaving if item not in coming]
        before = dict(old.items())
        moved = index_module._moved(old, new_order, gone, removed, inserted)
        assert moved == Positions.of(new_order) and len(moved) == len(new_order)
        assert dict(old.items()) == before  # the installed map is never written


@pytest.mark.django_db
def test_an_edit_in_place_shares_what_it_leaves_alone(directory):
    """A summary edit moves no provider and leaves its services alone: the patched index
    shares the lists, maps and service table of the one before (copying them was most of a
    patch's time, which buyers' requests of that worker waited out), and still equals a
    full build."""
    before = index_module.get_index()
    assert before.ids.typecode == before.ids_by_verified.typecode == "i"  # 4 bytes an id
    Provider.objects.filter(slug="beta-biologics").update(summary="Monoclonal antibodies, edited.")
    patched = index_module.get_index()
    assert patched is not before and patched.words.changed
    for name in ("ids", "position_of", "ids_by_verified", "verified_position", "rank", "services"):
        assert getattr(patched, name) is getattr(before, name), name
    same_index(patched, index_module.build_index())

    # A change of its services or of its "recently checked" key copies what it changes.
    Service.objects.filter(provider__slug="beta-biologics").first().delete()
    Provider.objects.filter(slug="beta-biologics").update(
        state="confirmed", state_on=datetime.date(2026, 11, 3)
    )
    again = index_module.get_index()
    assert again.services is not patched.services
    assert again.ids_by_verified is not patched.ids_by_verified
    same_index(again, index_module.build_index())


@pytest.mark.django_db
def test_a_patched_index_carries_the_count_matrices_over_exactly(directory):
    """The facet count matrices of a patched index come from the old one (shared, or with
    the changed rows written again), and equal the matrices built from its bitsets."""
    from providers.directory import counting

    edits = [
        lambda: Provider.objects.filter(slug="beta-biologics").update(summary="Edited."),
        lambda: Provider.objects.filter(slug="delta-oligo").update(name="Aardvark Oligo"),
        lambda: Service.objects.filter(provider__slug="beta-biologics").first().delete(),
    ]
    for edit in edits:
        before = index_module.get_index()
        for facet in before.options:
            counting.matrix(before, facet)
        edit()
        after = index_module.get_index()
        assert after is not before
        carried = counting._matrices.get(after, {})
        assert carried, "carried over, not built again"
        for facet, kept in carried.items():
            assert (kept == counting._matrix(after, facet)).all(), facet
            assert counting.option_counts(after, facet, after.all) == [
                (after.all & after.bits[facet].get(option.key, 0)).bit_count()
                for option in after.options[facet]
            ]


@pytest.mark.django_db
def test_answers_without_the_changed_provider_outlive_an_edit_in_place(client, directory):
    """A rename that keeps the name order changes no bitset, order or service: the kept
    answers and counts of addresses without a text search survive the patch unless they
    show the renamed provider's card, which is built again with its new name."""
    from providers.directory.memo import DIRECTORY_ANSWERS

    headers = {"HX-Request": "true"}
    cro, cdmo = "/providers/?type=cro", "/providers/?type=cdmo"
    searched = "/providers/?q=biologics&type=cdmo"
    for path in (cro, cdmo, searched):
        assert client.get(path, headers=headers).status_code == 200
    before = index_module.get_index()
    answers = before.html_cache[DIRECTORY_ANSWERS]
    kept_cro = next(answer for key, answer in answers.items() if key[0] == cro)

    Provider.objects.filter(slug="beta-biologics").update(name="Beta Biologics Zebrafish")
    after = index_module.get_index()
    assert after is not before
    carried = {key[0]: answer for key, answer in after.html_cache[DIRECTORY_ANSWERS].items()}
    assert carried == {cro: kept_cro}  # beta is a CDMO: its lists and the search go
    assert b"Zebrafish" in client.get(cdmo, headers=headers).content
    assert b"Zebrafish" not in client.get(cro, headers=headers).content

    # A change of a bitset (beta becomes a CRO too) keeps no answer at all.
    beta = Provider.objects.get(slug="beta-biologics")
    beta.types.add(*beta.types.model.objects.filter(slug="cro"))
    again = index_module.get_index()
    assert not again.html_cache.get(DIRECTORY_ANSWERS)
    assert b"Beta" in client.get(cro, headers=headers).content
