"""Service-level matching: with a capability or modality chosen, the coverage range, stage,
phase and place must hold for one service; any-or-all capabilities; why each card matched;
the page title; site names said once."""

import re

import pytest
from django.core.exceptions import ValidationError

from providers.directory import index as directory_index
from providers.models import Capability, Service, ServiceSiteLink, Site
from providers.places import place_label
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

PHASE_1, PHASE_3, COMMERCIAL = 3, 5, 6
MAB = {"modalities": ("monoclonal-antibody",)}


def names(response) -> list[str]:
    html = response.content.decode()
    section = html[html.index('id="results"') :]
    return re.findall(r'<h3><a href="/providers/[^"]+/">([^<]+)</a></h3>', section)


def count_of(response, facet: str, key: str) -> int:
    html = response.content.decode()
    found = re.search(
        rf'id="f-{facet}-{key}"[^>]*>\s*<label[^>]*>[^<]*<span class="count">(\d+)', html
    )
    assert found, f"no option {facet}={key}"
    return int(found.group(1))


@pytest.fixture
def programs():
    directory_index.reset()
    # One service takes a mAb from Phase I to commercial supply, made in Switzerland.
    make_provider(
        "Whole Program",
        types=("cdmo",),
        hq_country="US",
        sites=[{"name": "Visp", "city": "Visp", "country": "CH"}],
        services=[("mammalian-biologics", PHASE_1, COMMERCIAL, {**MAB, "sites": ("Visp",)})],
    )
    # Clinical mAb supply, plus small-molecule commercial work: together they "cover" it.
    make_provider(
        "Added Up",
        types=("cdmo",),
        hq_country="DE",
        services=[
            ("mammalian-biologics", PHASE_1, PHASE_3, MAB),
            (
                "commercial-api-manufacture",
                PHASE_3,
                COMMERCIAL,
                {"modalities": ("small-molecule",)},
            ),
        ],
    )
    # The whole range, but for small molecules only, at a US site; Europe is only its HQ.
    make_provider(
        "Small Only",
        types=("cdmo",),
        hq_country="FR",
        sites=[{"name": "Plant One", "city": "Boston", "country": "US"}],
        services=[
            (
                "mammalian-biologics",
                PHASE_1,
                COMMERCIAL,
                {"modalities": ("small-molecule",), "sites": ("Plant One",)},
            ),
            ("glp-toxicology", 2, PHASE_3),
        ],
    )
    # No modality stated anywhere, no site stated: headquarters stand in.
    make_provider(
        "Unstated",
        types=("cdmo",),
        hq_country="IE",
        services=[("mammalian-biologics", PHASE_1, COMMERCIAL)],
    )
    yield
    directory_index.reset()


RANGE = "cover_from=phase-1&cover_to=commercial-supply"


def test_without_a_service_chosen_the_range_combines_a_providers_services(client, programs):
    response = client.get(f"/providers/?{RANGE}")
    assert names(response) == ["Added Up", "Small Only", "Unstated", "Whole Program"]
    assert "its services together serve every phase" in response.content.decode()


def test_a_chosen_capability_must_cover_the_range_in_one_service(client, programs):
    response = client.get(f"/providers/?capability=mammalian-biologics&{RANGE}")
    assert names(response) == ["Small Only", "Unstated", "Whole Program"]
    assert "One chosen service covers every phase" in response.content.decode()


def test_a_chosen_modality_belongs_to_the_service_not_the_provider(client, programs):
    response = client.get(f"/providers/?modality=monoclonal-antibody&{RANGE}")
    assert names(response) == ["Whole Program"]
    # Counts follow the same rule: Added Up's small-molecule work starts at Phase III.
    assert count_of(response, "modality", "small-molecule") == 1
    assert count_of(response, "modality", "monoclonal-antibody") == 1
    # A service with no modality stated matches no modality filter.
    assert "Unstated" not in names(client.get("/providers/?modality=small-molecule"))


def test_a_place_applies_to_where_the_chosen_service_is_done(client, programs):
    base = f"/providers/?capability=mammalian-biologics&{RANGE}"
    assert names(client.get(f"{base}&region=europe")) == ["Unstated", "Whole Program"]
    response = client.get(f"{base}&country=US")
    assert names(response) == ["Small Only"]
    # Whole Program's HQ is in the US, but its service is done in Switzerland.
    assert count_of(response, "country", "CH") == 1
    assert count_of(response, "country", "FR") == 0
    response = client.get(base)
    assert count_of(response, "region", "europe") == 2  # Visp, and Unstated's HQ


def test_a_counted_answer_matches_the_candidates_once(client, programs, monkeypatch):
    """With counts checked service by service, the pass's own answer is the matching set:
    the candidates are not matched a second time (the answer stays the same)."""
    from providers.directory import facets

    base = f"/providers/?capability=mammalian-biologics&{RANGE}"
    expected = {
        f"{base}&country=US": ["Small Only"],
        f"{base}&region=europe": ["Unstated", "Whole Program"],
    }
    for url, found in expected.items():
        assert names(client.get(url)) == found
    directory_index.reset()

    def not_again(*args):
        raise AssertionError("matched a second time")

    monkeypatch.setattr(facets, "matching_providers", not_again)
    for url, found in expected.items():
        assert names(client.get(url)) == found
    # Without counts (the API's plain list, the shortlist), the candidates are matched.
    index = directory_index.get_index()
    query = facets.DirectoryQuery(facets={"capability": ["mammalian-biologics"], "country": ["US"]})
    with pytest.raises(AssertionError, match="second time"):
        facets.resolve(index, query, None, counted=False)


def test_stage_and_phase_apply_to_the_chosen_service(client, programs):
    # Small Only's GLP toxicology is at pre-clinical; its mAb line is not.
    response = client.get("/providers/?modality=monoclonal-antibody&stage=discovery")
    assert names(response) == []
    assert names(client.get("/providers/?capability=glp-toxicology&phase=preclinical")) == [
        "Small Only"
    ]
    assert count_of(response, "stage", "delivery") == 1


def test_card_says_why_it_matched(client, programs):
    html = client.get(
        f"/providers/?capability=mammalian-biologics&{RANGE}&region=europe"
    ).content.decode()
    whole = html[html.index(">Whole Program<") :]
    whole = whole[: whole.index("</li>\n") if "</li>\n" in whole else None]
    assert "Why it matched" in whole
    assert "Clinical Phase I to Commercial" in whole
    assert "Monoclonal antibody" in whole
    assert "at Visp, Switzerland" in whole  # the site, its name said once
    unstated = html[html.index(">Unstated<") :]
    assert "modality not stated" in unstated
    assert "site not stated" in unstated


def test_card_says_headquarters_only_and_the_words_found(client, programs):
    html = client.get("/providers/?country=FR&q=toxicology").content.decode()
    card = html[html.index(">Small Only<") :]
    assert "France: headquarters only" in card
    assert "Search matched: <mark>toxicology</mark>" in card


def test_a_matched_service_is_never_folded_into_more(client):
    directory_index.reset()
    make_provider(
        "Many Services",
        services=[
            ("target-validation", 1, 1),
            ("hit-finding-screening", 1, 1),
            ("medicinal-chemistry", 1, 1),
            ("computational-chemistry", 1, 1),
            ("in-vitro-dmpk", 1, 2),
            ("in-vivo-pharmacology", 1, 2),
            ("glp-toxicology", 2, 3),
        ],
        hq_country="US",
    )
    html = client.get("/providers/?type=cro&country=US&q=toxicology").content.decode()
    card = html[html.index(">Many Services<") :]
    more = card.index("more</span>")
    # the search found it in a capability the card lists before any "+N more"
    assert "GLP toxicology" in card[:more]
    html = client.get("/providers/?capability=glp-toxicology&country=US").content.decode()
    card = html[html.index(">Many Services<") :]
    assert card.index("GLP toxicology") < card.index("more</span>")
    directory_index.reset()


def test_several_capabilities_mean_all_or_any(client, programs):
    both = "capability=glp-toxicology&capability=commercial-api-manufacture"
    response = client.get(f"/providers/?{both}")
    assert names(response) == []
    html = response.content.decode()
    assert "Offers all of the chosen capabilities" in html
    assert "Show providers with any of the chosen capabilities instead of all (2" in html
    assert "match=any" in html
    response = client.get(f"/providers/?{both}&match=any")
    assert names(response) == ["Added Up", "Small Only"]
    assert "Offers any of the chosen capabilities" in response.content.decode()
    assert count_of(response, "capability", "mammalian-biologics") == 4


def test_an_unknown_match_value_is_a_notice(client, programs):
    response = client.get("/providers/?capability=glp-toxicology&match=most")
    assert response.status_code == 200
    assert "Ignored “most” for how capabilities combine" in response.content.decode()
    assert names(response) == ["Small Only"]


def test_the_title_reflects_the_filters(client, programs):
    response = client.get("/providers/?type=cdmo&modality=monoclonal-antibody&region=europe")
    title = re.search(r"<title>([^<]*)</title>", response.content.decode()).group(1)
    assert title.startswith("CDMO · Monoclonal antibody (mAb) and other biologics · Europe: ")
    assert ": 2 providers ·" in title  # Whole Program (Visp) and Added Up (its HQ)
    fragment = client.get("/providers/?type=cdmo", headers={"HX-Request": "true"})
    assert "<title>CDMO: 4 providers" in fragment.content.decode()


def test_service_sites_belong_to_the_same_provider(programs):
    service = Service.objects.get(provider__name="Added Up", capability__slug="mammalian-biologics")
    elsewhere = Site.objects.get(name="Visp")
    with pytest.raises(ValidationError):
        ServiceSiteLink(service=service, site=elsewhere).clean()


def test_place_names_are_said_once():
    assert place_label("Visp", "Visp", "Switzerland") == "Visp, Switzerland"
    assert place_label("Basel site", "", "Switzerland") == "Basel site, Switzerland"
    assert place_label("Singapore", "singapore ", "Singapore") == "Singapore"


def test_service_level_pages_run_a_fixed_number_of_queries(
    client, programs, django_assert_num_queries
):
    url = f"/providers/?capability=mammalian-biologics&{RANGE}&region=europe&q=biologics"
    client.get(url)  # builds the index and caches the text match
    directory_index.get_index().forget_rendered()
    with django_assert_num_queries(2):  # the version token, and the page of cards
        client.get(url, headers={"HX-Request": "true"})
    # The same filter state again: its page is memoised with its "why" lines.
    with django_assert_num_queries(1):
        client.get(url, headers={"HX-Request": "true"})


@pytest.mark.parametrize("words", ["monoclonal antibody", "mAb", "Monoclonal antibodies"])
def test_searching_the_name_of_a_modality_asks_for_a_service_for_it(client, programs, words):
    """A buyer who types the modality rather than ticking it asks the same question: the
    range and the place apply to a service for it, not to unrelated services added up."""
    response = client.get(
        "/providers/", {"q": words, "cover_from": "phase-1", "cover_to": "commercial-supply"}
    )
    assert names(response) == ["Whole Program"]
    html = response.content.decode()
    assert "names the modality Monoclonal antibody (mAb) and other biologics" in html
    # Without a range, stage, phase or place, the words search the whole record as before.
    plain = client.get("/providers/", {"q": words}).content.decode()
    assert "names the modality" not in plain
    assert "One chosen service covers every phase" in html
    # Why it matched: the service, not the provider's list of modalities.
    whole = html[html.index(">Whole Program<") :]
    why = whole[whole.index("Why it matched") :]
    assert why.index("Mammalian cell culture biologics manufacture") < why.index("</ul>")


def test_words_that_name_no_modality_keep_searching_the_whole_record(client, programs):
    response = client.get(
        "/providers/",
        {"q": "antibody manufacture", "cover_from": "phase-1", "cover_to": "commercial-supply"},
    )
    assert "names the modality" not in response.content.decode()


def test_the_words_found_are_looked_for_in_the_whole_card(client):
    """A searched word deep in a long summary, or in a capability's name, is named on the
    card: the card's words are all of its text, not the first few a query keeps."""
    directory_index.reset()
    make_provider(
        "Long Story Labs",
        slug="long-story",
        summary=(
            "A contract research organisation in the north of England with a long history of "
            "work for sponsors large and small, now adding aseptic fill-finish of vials."
        ),
        services=[("glp-toxicology", 1, 2)],
    )
    html = client.get("/providers/?q=aseptic").content.decode()
    card = html[html.index(">Long Story Labs<") :]
    assert "Search matched: <mark>aseptic</mark>" in card
    card = client.get("/providers/?q=toxicology").content.decode()
    assert "Search matched: <mark>toxicology</mark>" in card


def test_a_word_found_through_a_synonym_names_what_it_found(client):
    """A search that matched a card through a capability's synonym says so on the card,
    with the capability it named."""
    directory_index.reset()
    capability = Capability.objects.get(slug="glp-toxicology")
    capability.synonyms = f"{capability.synonyms} safety assessment".strip()
    capability.save()
    make_provider("Quiet Summary Labs", slug="quiet", services=[("glp-toxicology", 1, 2)])
    html = client.get("/providers/?q=safety").content.decode()
    card = html[html.index(">Quiet Summary Labs<") :]
    card = card[: card.index('<li class="result"')] if '<li class="result"' in card else card
    assert f"Search matched: <mark>safety</mark> ({capability.name})" in card


@pytest.mark.parametrize("modalities", [3, 70])  # bits in an array, and past 64 in a list
def test_matching_agrees_with_checking_each_service_by_its_rule(monkeypatch, modalities):
    """``matching_providers`` checks the candidates' services in numpy steps; the same
    answer, for random tables and criteria, comes from checking each service one by one
    with ``Criteria.failing`` (chunks made small, so several steps make one answer)."""
    import random
    from types import SimpleNamespace

    from providers.directory import matching
    from providers.directory.bitsets import bits_from_positions
    from providers.directory.matching import Criteria, ServiceTable, matching_providers

    monkeypatch.setattr(matching, "MATCH_CHUNK", 7)
    rng = random.Random(modalities)
    codes = ["DE", "FR", "US", "IN", "CN"]
    modality_ids = list(range(1, modalities + 1))

    def provider():
        count = rng.randint(0, 4)
        if not count:
            return (None,) * 5
        return (
            [rng.randint(1, 6) for _ in range(count)],
            [rng.randint(1, 4) for _ in range(count)],
            [rng.randint(4, 7) for _ in range(count)],
            [",".join(map(str, rng.sample(modality_ids, rng.randint(0, 2)))) for _ in range(count)],
            [
                rng.choice([None, ",".join(rng.sample(codes, rng.randint(1, 2)))])
                for _ in range(count)
            ],
        )

    def chosen_or_none(values, most):
        return frozenset(rng.sample(values, rng.randint(1, most))) if rng.random() < 0.4 else None

    for _trial in range(300):
        size = rng.randint(0, 30)
        table = ServiceTable(modality_ids, [6])
        table.extend(
            [provider() for _ in range(size)],
            [rng.sample(codes, rng.randint(0, 2)) for _ in range(size)],
        )
        table = table.done()
        index = SimpleNamespace(services=table, size=size)
        criteria = Criteria(
            capabilities=rng.sample(range(1, 7), rng.randint(0, 2)),
            every=rng.random() < 0.5,
            modality_bits=sum(table.modality_bit[pk] for pk in rng.sample(modality_ids, 1))
            if rng.random() < 0.4
            else 0,
            cover=(rng.randint(1, 4), rng.randint(4, 7)) if rng.random() < 0.3 else None,
            stage_phases=chosen_or_none(range(1, 8), 3),
            phases=chosen_or_none(range(1, 8), 2),
            countries=chosen_or_none(codes, 2),
            region_countries=chosen_or_none(codes, 3),
        )
        candidates = [p for p in range(size) if rng.random() < 0.7]
        expected = []
        for position in candidates:
            found = set()
            for service in range(table.start[position], table.start[position + 1]):
                capability = table.capability[service]
                if criteria.capabilities and capability not in criteria.capabilities:
                    continue
                places = {table.country_codes[n] for n in table.places_of(service)}
                first, last = table.first[service], table.last[service]
                if not criteria.failing(first, last, table.modalities[service], places):
                    found.add(capability)
            every = criteria.every and criteria.capabilities
            if found and (not every or found >= set(criteria.capabilities)):
                expected.append(position)
        answer = matching_providers(index, criteria, bits_from_positions(candidates, size))
        assert answer == bits_from_positions(expected, size), criteria
