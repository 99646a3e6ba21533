"""Buyers find agrochemical and pharmaceutical services by the words they use, and see
each service on its own industry's track: filters, strips, the provider page, the
lifecycle explorer, compare and the shortlist export."""

import csv
import io
import re

import pytest

from tests.directory.test_directory import count_of, names
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def crop_directory(directory):
    """The small directory plus providers whose services lie on the crop-protection track."""
    return {
        **directory,
        "field": make_provider(
            "Furrow Field Trials",
            slug="furrow-field-trials",
            types=("cro",),
            hq_country="FR",
            services=[
                ("agro-discovery-screening", 11, 12),
                ("agro-efficacy-trials", 12, 18),
                ("agro-residue-field-trials", 14, 18),
            ],
            industries=("agrochemical",),
            summary="Runs trials on farms.",
        ),
        "lab": make_provider(
            "Quadrat Regulatory Laboratory",
            slug="quadrat-regulatory-laboratory",
            types=("cro", "testing-laboratory"),
            hq_country="DE",
            services=[
                ("agro-five-batch", 13, 13),
                ("agro-ecotoxicology", 13, 13),
                ("glp-toxicology", 2, 3),
            ],
            industries=("agrochemical", "pharmaceutical"),
            summary="Studies for registrations.",
        ),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pesticide", {"Epsilon Agro", "Furrow Field Trials", "Quadrat Regulatory Laboratory"}),
        ("herbicide", {"Epsilon Agro", "Furrow Field Trials", "Quadrat Regulatory Laboratory"}),
        ("fungicide", {"Epsilon Agro", "Furrow Field Trials", "Quadrat Regulatory Laboratory"}),
        ("insecticide", {"Epsilon Agro", "Furrow Field Trials", "Quadrat Regulatory Laboratory"}),
        (
            "crop protection",
            {"Epsilon Agro", "Furrow Field Trials", "Quadrat Regulatory Laboratory"},
        ),
        ("5-batch", {"Quadrat Regulatory Laboratory"}),
        ("GLP 5-batch analysis", {"Quadrat Regulatory Laboratory"}),
        ("toll synthesis", {"Epsilon Agro"}),
        ("fill and finish", {"Beta Biologics"}),
        ("drug substance", {"Beta Biologics", "Delta Oligo"}),
        ("mAb", {"Beta Biologics"}),
        ("ecotox", {"Quadrat Regulatory Laboratory"}),
    ],
)
def test_search_finds_providers_by_the_synonyms_buyers_type(client, crop_directory, text, expected):
    assert set(names(client.get("/providers/", {"q": text}))) == expected


def test_abbreviations_still_find_their_providers(client, db):
    make_provider("Conjugate Co", slug="conjugate-co", services=[("bioconjugation", 2, 7)])
    make_provider("Potent Co", slug="potent-co", services=[("hpapi", 2, 7)])
    make_provider("Lipid Co", slug="lipid-co", services=[("mrna-lnp", 2, 7)])
    make_provider("Release Co", slug="release-co", services=[("qp-release", 3, 7)])
    make_provider(
        "Synthesis Co", slug="synthesis-co", services=[("commercial-api-manufacture", 5, 7)]
    )
    for text, expected in [
        ("API", {"Synthesis Co", "Potent Co"}),
        ("active pharmaceutical ingredient", {"Synthesis Co"}),
        ("ADC", {"Conjugate Co"}),
        ("HPAPI", {"Potent Co"}),
        ("LNP", {"Lipid Co"}),
        ("QP", {"Release Co"}),
    ]:
        assert set(names(client.get("/providers/", {"q": text}))) == expected, text


def phase_options(html: str) -> list[str]:
    return re.findall(r'id="f-phase-([a-z0-9-]+)"', html)


def range_options(html: str) -> list[str]:
    select = html[html.index('<select id="cover_from"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([a-z0-9-]+)"', select)


def test_the_agrochemical_industry_works_in_crop_protection_phases(client, crop_directory):
    everything = client.get("/providers/").content.decode()
    assert "phase-2" in phase_options(everything)
    assert "crop-field-trials" in phase_options(everything)
    assert "<legend>Crop protection: Development</legend>" in everything
    assert "<legend>Pharmaceuticals and biotech: Development</legend>" in everything

    html = client.get("/providers/?industry=agrochemical").content.decode()
    assert phase_options(html) == [
        "crop-discovery",
        "crop-profiling",
        "crop-regulatory-studies",
        "crop-field-trials",
        "crop-registration",
        "crop-technical-manufacture",
        "crop-formulation-packaging",
        "crop-renewal-stewardship",
    ]
    assert range_options(html) == phase_options(html)
    assert "Phases of the crop protection track" in html
    response = client.get("/providers/?industry=agrochemical")
    assert count_of(response, "phase", "crop-field-trials") == 1
    assert count_of(response, "phase", "crop-regulatory-studies") == 2
    # A clinical phase chosen before stays visible, so it can be unticked.
    kept = client.get("/providers/?industry=agrochemical&phase=phase-1").content.decode()
    assert "phase-1" in phase_options(kept)


def test_a_coverage_range_runs_along_one_track(client, crop_directory):
    response = client.get(
        "/providers/?cover_from=crop-regulatory-studies&cover_to=crop-renewal-stewardship"
    )
    assert names(response) == ["Furrow Field Trials"]
    # One end given: the other is the end of that end's track, not of another track.
    assert names(client.get("/providers/?cover_to=crop-field-trials")) == ["Furrow Field Trials"]
    assert names(client.get("/providers/?cover_from=crop-regulatory-studies")) == [
        "Furrow Field Trials"
    ]
    crossing = client.get("/providers/?cover_from=phase-1&cover_to=crop-registration")
    assert crossing.status_code == 200
    assert "different industries" in crossing.content.decode()
    assert len(names(crossing)) == 7


def test_strips_and_the_provider_page_show_each_track_served(client, crop_directory):
    html = client.get("/providers/?q=quadrat").content.decode()
    assert 'aria-label="Pharmaceuticals and biotech coverage:' in html
    assert 'aria-label="Crop protection coverage:' in html
    assert 'title="Regulatory studies: served"' in html
    crop_only = client.get("/providers/?q=furrow").content.decode()
    assert 'aria-label="Crop protection coverage:' in crop_only
    assert "Clinical Phase I" not in crop_only.split('id="results"')[1]

    page = client.get("/providers/quadrat-regulatory-laboratory/").content.decode()
    assert "<caption>Services by phase: Crop protection</caption>" in page
    assert "<caption>Services by phase: Pharmaceuticals and biotech</caption>" in page
    assert "Serves Pharmaceuticals and biotech: Pre-clinical (IND-enabling)" in page


def test_compare_and_the_shortlist_export_show_each_service_on_its_track(client, crop_directory):
    html = client.get("/compare/?p=beta-biologics&p=furrow-field-trials").content.decode()
    assert "Capabilities (phases served): Crop protection" in html
    assert "Lifecycle coverage by phase: Pharmaceuticals and biotech" in html
    assert "Efficacy and residue field trials" in html

    for slug in ("quadrat-regulatory-laboratory",):
        client.post(f"/providers/{slug}/shortlist/", {"action": "add"})
    response = client.get("/shortlist/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    services = dict(zip(rows[0], rows[1], strict=True))["Services (capability: phases)"]
    assert "GLP 5-batch analysis: Regulatory studies (Crop protection)" in services
    assert "GLP toxicology: Pre-clinical (IND-enabling) to Clinical Phase I;" in services + ";"


def explorer_table(html: str, track: str) -> str:
    section = html[html.index(f'id="track-{track}"') :]
    return section[: section.index("</table>")]


def test_the_explorer_counts_each_track_shades_by_share_and_never_links_to_nothing(
    client, crop_directory
):
    html = client.get("/lifecycle/").content.decode()
    crop = explorer_table(html, "crop-protection")
    # Field trials: one CRO of the two on the crop track (Furrow); Quadrat does not.
    cell = re.search(
        r'<td class="share-(\d)"><a href="/providers/\?phase=crop-field-trials&amp;type=cro">'
        r"(\d+)<",
        crop,
    )
    assert cell and cell.group(2) == "1" and cell.group(1) == "3"  # 1 of 2 CROs: 50 %
    # Regulatory studies: both crop CROs, the darkest band.
    assert re.search(
        r'<td class="share-5"><a href="/providers/\?phase=crop-regulatory-studies&amp;type=cro">2<',
        crop,
    )
    # No CMO does field trials: a zero, not a link to an empty list.
    assert 'phase=crop-field-trials&amp;type=cmo"' not in crop
    assert re.search(r'<td class="share-0"><span class="zero">0<', crop)
    assert "style=" not in html
    # Notes say what each type does where.
    assert "GLP regulatory studies, field trials and the registration dossier." in html
    pharma = explorer_table(html, "pharma")
    assert "crop-" not in pharma


def test_a_hyphenated_term_is_searched_as_one_phrase(client, crop_directory):
    """'5-batch' is the agrochemical analysis, not any record holding a 5 and a batch."""
    from providers.directory import index as directory_index

    make_provider(
        "Potent Batches",
        slug="potent-batches",
        types=("cdmo",),
        services=[("hpapi", 3, 7)],  # its synonyms say "OEB 5"
        summary="From early clinical batches to commercial supply.",
    )
    directory_index.reset()
    assert set(names(client.get("/providers/", {"q": "5-batch"}))) == {
        "Quadrat Regulatory Laboratory"
    }
    # Words typed apart still match apart.
    assert "Potent Batches" in names(client.get("/providers/", {"q": "5 batch"}))
    # An identifier typed with dashes is still one number (an FEI, say), not a phrase.
    assert set(names(client.get("/providers/", {"q": "fill-finish"}))) == {"Beta Biologics"}
