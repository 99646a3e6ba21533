"""The buyer's directory: filters, facet counts, search, sorting, paging, bad input."""

import datetime
import re

import pytest

from providers.directory import index as directory_index
from providers.models import Capability, Provider, Service
from tests.factories import add_evidence, make_provider


def forget_rendered():
    """Empty the index's card cache and memos, so a page's queries are its own."""
    directory_index.get_index().forget_rendered()


pytestmark = pytest.mark.django_db


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


def test_only_published_providers_are_listed_and_counted(client, directory):
    response = client.get("/providers/")
    assert names(response) == [
        "Alpha Discovery",
        "Beta Biologics",
        "Delta Oligo",
        "Epsilon Agro",
        "Gamma Manufacturing",
    ]
    assert "5 providers" in response.content.decode()
    assert client.get("/providers/draft-hidden/").status_code == 404
    assert client.get("/providers/withdrawn-gone/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=cro", ["Alpha Discovery", "Delta Oligo"]),
        (
            "type=cro&type=cmo",
            ["Alpha Discovery", "Delta Oligo", "Epsilon Agro", "Gamma Manufacturing"],
        ),
        ("stage=discovery", ["Alpha Discovery", "Beta Biologics", "Delta Oligo"]),
        ("stage=delivery&type=cmo", ["Epsilon Agro", "Gamma Manufacturing"]),
        ("phase=phase-1", ["Alpha Discovery", "Beta Biologics", "Delta Oligo"]),
        ("phase=phase-3", ["Beta Biologics", "Delta Oligo"]),
        ("capability=glp-toxicology", ["Alpha Discovery"]),
        ("capability=oligonucleotide-manufacture&capability=method-development", ["Delta Oligo"]),
        ("capability=oligonucleotide-manufacture&capability=glp-toxicology", []),
        ("modality=small-molecule", ["Alpha Discovery", "Gamma Manufacturing"]),
        ("industry=agrochemical", ["Epsilon Agro"]),
        ("country=IE", ["Beta Biologics"]),
        ("region=europe", ["Beta Biologics", "Epsilon Agro"]),
        (
            "region=asia-pacific&region=north-america",
            ["Alpha Discovery", "Delta Oligo", "Gamma Manufacturing"],
        ),
        ("certification=fda-inspected", ["Beta Biologics", "Gamma Manufacturing"]),
        ("cover_from=phase-1&cover_to=commercial-supply", ["Beta Biologics", "Delta Oligo"]),
        ("cover_from=discovery-research&cover_to=preclinical", ["Alpha Discovery"]),
    ],
)
def test_filters(client, directory, query, expected):
    assert names(client.get(f"/providers/?{query}")) == expected


def test_facet_counts_show_what_each_option_would_give_with_the_other_filters(client, directory):
    response = client.get("/providers/?stage=delivery")
    # Types are counted within Delivery, ignoring the type filter itself.
    assert count_of(response, "type", "cmo") == 2
    assert count_of(response, "type", "cro") == 1  # Delta (CRO and CDMO) serves Delivery
    assert count_of(response, "type", "cdmo") == 2
    # Stages are counted ignoring the stage filter (any-of within a facet).
    assert count_of(response, "stage", "discovery") == 3
    # Other facets are counted within the current results.
    assert count_of(response, "certification", "glp") == 0
    assert count_of(response, "country", "IN") == 1
    assert count_of(response, "region", "europe") == 2  # Beta (DE, IE) and Epsilon (CH)


def test_options_that_would_give_nothing_are_visibly_marked(client, directory):
    html = client.get("/providers/?type=cmo").content.decode()
    option = re.search(r'<div class="option([^"]*)">\s*<input[^>]*id="f-stage-discovery"', html)
    assert option and "is-zero" in option.group(1)
    option = re.search(r'<div class="option([^"]*)">\s*<input[^>]*id="f-stage-delivery"', html)
    assert option and "is-zero" not in option.group(1)


def test_capability_counts_narrow_because_capabilities_must_all_hold(client, directory):
    response = client.get("/providers/?capability=oligonucleotide-manufacture")
    assert count_of(response, "capability", "method-development") == 1
    assert count_of(response, "capability", "glp-toxicology") == 0


def test_an_empty_result_explains_itself_and_offers_a_way_out(client, directory):
    html = client.get("/providers/?type=cmo&stage=discovery").content.decode()
    assert "No provider matches" in html
    assert "With your other filters, no provider matches provider type CMO" in html
    assert "CDMO (2)" in html and "CRO (2)" in html
    assert "type=cdmo" in html and "show them" in html
    assert "Remove provider type: CMO (3 providers)" in html


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("oligo", "Delta Oligo"),  # prefix while typing
        ("Oligonucleotide", "Delta Oligo"),
        ("Lonzza", None),  # nothing similar in this directory
        ("Gama Manufactoring", "Gamma Manufacturing"),  # misspelt name
        ("fill finish", "Beta Biologics"),  # capability words
        ("antibody", "Beta Biologics"),  # modality words
    ],
)
def test_text_search(client, directory, text, first):
    found = names(client.get("/providers/", {"q": text}))
    if first is None:
        assert found == []
    else:
        assert found and found[0] == first


def test_search_ranks_name_matches_before_other_matches(client, directory):
    make_provider(
        "Sterile Partners",
        slug="sterile-partners",
        types=("cmo",),
        services=[("oral-solid-dose", 6, 6)],
    )
    found = names(client.get("/providers/", {"q": "sterile"}))
    assert found == ["Sterile Partners", "Beta Biologics"]


def test_search_combines_with_filters_and_counts(client, directory):
    response = client.get("/providers/", {"q": "manufacture", "type": "cmo"})
    assert set(names(response)) == {"Epsilon Agro", "Gamma Manufacturing"}
    assert count_of(response, "type", "cdmo") == 2


def test_sort_by_name_and_by_recent_verification(client, directory):
    assert names(client.get("/providers/?sort=verified")) == [
        "Beta Biologics",
        "Alpha Discovery",
        "Delta Oligo",
        "Epsilon Agro",
        "Gamma Manufacturing",
    ]
    assert names(client.get("/providers/?sort=name"))[0] == "Alpha Discovery"


def test_pagination_and_total(client, directory):
    for number in range(30):
        make_provider(
            f"Zeta {number:02d}",
            slug=f"zeta-{number:02d}",
            types=("cro",),
            services=[("glp-toxicology", 2, 2)],
        )
    first = client.get("/providers/?type=cro")
    html = first.content.decode()
    assert "32 providers" in html and "Page 1 of 2" in html
    assert len(names(first)) == 20
    second = client.get("/providers/?type=cro&page=2")
    assert len(names(second)) == 12
    assert names(second)[-1] == "Zeta 29"
    # A page past the end shows the last page rather than an error.
    assert names(client.get("/providers/?type=cro&page=99")) == names(second)


def test_results_show_types_country_coverage_capabilities_and_freshness(client, directory):
    html = client.get("/providers/?q=beta").content.decode()
    assert 'title="Contract development and manufacturing organisation">CDMO' in html
    assert "HQ: Germany" in html
    assert "Lifecycle coverage: Serves Pre-clinical (IND-enabling) to Lifecycle management" in html
    assert "Mammalian cell culture biologics manufacture" in html
    # Nobody checked this record: it says "compiled", never "verified", and how much is backed.
    assert "Verified" not in html.split("<footer")[0]
    assert '<span class="state state-compiled">Compiled ' in html
    assert "0 of 6 claims with evidence" in html


def test_htmx_gets_the_fragment_from_the_same_template_and_responses_vary(client, directory):
    full = client.get("/providers/?type=cro")
    fragment = client.get("/providers/?type=cro", headers={"HX-Request": "true"})
    assert "<html" in full.content.decode()
    body = fragment.content.decode()
    # The page's title first (htmx takes it from the top of an answer only), then the answer.
    assert "<html" not in body and body.lstrip().startswith("<title>CRO: ")
    assert body.split("</title>", 1)[1].lstrip().startswith('<div id="directory"')
    assert names(fragment) == names(full)
    assert 'id="result-status" data-hx-swap-oob="innerHTML"' in body  # the live region's text
    assert "HX-Request" in full["Vary"] and "HX-Request" in fragment["Vary"]
    restore = client.get(
        "/providers/?type=cro",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_counts_are_never_stale_after_a_curator_changes_a_record(client, directory):
    assert count_of(client.get("/providers/"), "type", "cmo") == 2
    gamma = directory["gamma"]
    gamma.status = Provider.Status.WITHDRAWN
    gamma.save()
    assert count_of(client.get("/providers/"), "type", "cmo") == 1
    Service.objects.create(
        provider=directory["epsilon"],
        capability=Capability.objects.get(slug="agro-discovery-screening"),
        first_phase_id=11,
        last_phase_id=11,
    )
    assert "Epsilon Agro" in names(client.get("/providers/?stage=discovery"))


@pytest.mark.parametrize(
    "query",
    [
        "type=unknown",
        "type=cro&type=cro&type=CRO",
        "page=-1",
        "page=abc",
        "page=99999999999999999999999",
        "page=1.5",
        "sort=drop table",
        "q=" + "x" * 5000,
        "q=%00%01%02",
        "q=%27%22%3B--",
        "q=!!!",
        "q=a%20%26%20b%20%7C%20c%3A*",
        "capability=" + "&capability=".join(["glp-toxicology"] * 300),
        "cover_from=phase-3&cover_to=preclinical",
        "cover_from=nowhere",
        "country=ZZ&country=gb",
        "stage[]=discovery",
        "%ff%fe=1",
        "modality=%E2%80%AE",
    ],
)
def test_any_query_string_gets_a_normal_page(client, directory, query):
    response = client.get(f"/providers/?{query}")
    assert response.status_code == 200
    fragment = client.get(f"/providers/?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200


def test_bad_parts_are_explained(client, directory):
    html = client.get(
        "/providers/?type=robots&page=abc&cover_from=phase-3&cover_to=preclinical"
    ).content.decode()
    assert "Ignored unknown provider type “robots”" in html
    assert "not a positive whole number" in html
    assert "reversed" in html
    # The reversed range still filters: pre-clinical through Phase III.
    assert names(client.get("/providers/?cover_from=phase-3&cover_to=preclinical")) == [
        "Beta Biologics",
        "Delta Oligo",
    ]


def test_directory_runs_a_fixed_number_of_queries(client, directory, django_assert_num_queries):
    for number in range(25):
        make_provider(
            f"Eta {number:02d}",
            slug=f"eta-{number:02d}",
            types=("cdmo",),
            services=[("process-development", 2, 5)],
        )
    add_evidence(Service.objects.get(provider__slug="eta-00"))
    checked = Provider.objects.get(slug="eta-01")
    checked.state, checked.state_on = "confirmed", datetime.date.today()
    checked.save()
    client.get("/providers/")  # builds the index once for this data
    # One for the directory's version token, one for the page of providers; the same page
    # again needs the token only, its cards being known to the index.
    for query in (
        "",
        "type=cdmo",
        "type=cdmo&stage=development&phase=phase-2&page=2",
        "modality=oligonucleotide&country=US&sort=verified",
        "cover_from=phase-1&cover_to=phase-3&capability=process-development",
        "evidence=1&capability=process-development&sort=verified",
        "checked=12&type=cdmo",
    ):
        forget_rendered()
        with django_assert_num_queries(2):
            client.get(f"/providers/?{query}")
        with django_assert_num_queries(1):
            client.get(f"/providers/?{query}")
        # Its rows are kept apart from the memos: answered anew, the page loads nothing.
        directory_index.get_index().html_cache.clear()
        with django_assert_num_queries(1):
            client.get(f"/providers/?{query}")
    # A search is answered from the in-process word index: no query of its own, new or not.
    forget_rendered()
    with django_assert_num_queries(2):
        client.get("/providers/?q=eta&type=cdmo")
    with django_assert_num_queries(2):
        client.get("/providers/?q=etta&type=cdmo&page=2")


def test_a_search_from_the_directory_form_is_ordered_by_best_match(client, directory):
    make_provider(
        "Sterile Partners",
        slug="sterile-partners",
        types=("cmo",),
        services=[("oral-solid-dose", 6, 6)],
    )
    # The form sends its default sort (empty) with the search: best match, not A to Z.
    found = names(client.get("/providers/", {"q": "sterile", "sort": ""}))
    assert found == ["Sterile Partners", "Beta Biologics"]
    assert names(client.get("/providers/", {"q": "sterile", "sort": "name"})) == [
        "Beta Biologics",
        "Sterile Partners",
    ]


def test_misspelt_multi_word_names_and_lower_case_countries(client, directory):
    assert names(client.get("/providers/", {"q": "gama manufactring"})) == ["Gamma Manufacturing"]
    assert names(client.get("/providers/?country=ie")) == ["Beta Biologics"]


def test_a_page_past_the_end_says_so(client, directory):
    html = client.get("/providers/?page=9").content.decode()
    assert "There is no page 9; this is the last page (1)." in html


def test_catalogue_labels_with_braces_or_markup_are_shown_as_text(client, directory):
    from providers.models import Industry, Modality

    Modality.objects.filter(slug="mrna").update(name="Lipid {LNP} nanoparticle")
    Industry.objects.create(slug="odd", name="{unit.__lt__.__doc__[11]}b<i>x</i>", position=9)
    html = client.get("/providers/").content.decode()
    assert "Lipid {LNP} nanoparticle" in html
    assert "{unit.__lt__.__doc__[11]}b&lt;i&gt;x&lt;/i&gt;" in html and "<i>x</i>" not in html


def test_punctuation_search_sorted_by_verification_shows_nothing(client, directory):
    response = client.get("/providers/?q=!!!&sort=verified")
    assert names(response) == [] and "0 providers" in response.content.decode()
    assert client.get("/providers/?page=%C2%B2").status_code == 200  # a superscript two


def test_moving_a_service_or_site_to_another_provider_updates_both(client, directory):
    from providers.models import Service, Site

    alpha, beta = directory["alpha"], directory["beta"]
    service = Service.objects.get(provider=alpha, capability__slug="target-validation")
    service.provider = beta
    service.save()
    site = Site.objects.get(provider=alpha)
    site.provider = beta
    site.save()
    assert names(client.get("/providers/?capability=target-validation")) == ["Beta Biologics"]
    assert names(client.get("/providers/?certification=glp")) == ["Beta Biologics"]


def test_markup_in_names_is_escaped_on_cards_options_strips_and_the_provider_page(client, db):
    from lifecycle.models import Phase
    from providers.models import Capability, Modality

    hostile = '"><script>alert(1)</script>'
    Capability.objects.filter(slug="glp-toxicology").update(name="GLP tox " + hostile)
    Modality.objects.filter(slug="peptide").update(name="Peptide " + hostile)
    Phase.objects.filter(position=2).update(name="Pre-clinical " + hostile)
    make_provider(
        "Evil " + hostile,
        slug="evil",
        types=("cro",),
        services=[("glp-toxicology", 2, 3)],
        modalities=("peptide",),
        sites=[{"name": "Lab " + hostile, "city": "Town " + hostile, "country": "US"}],
    )
    for url in ("/providers/", "/providers/?capability=glp-toxicology", "/providers/evil/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html, url
        assert "&lt;script&gt;" in html, url
