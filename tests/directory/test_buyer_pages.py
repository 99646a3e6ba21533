"""Provider page, lifecycle explorer, compare, shortlist and its exports."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def test_provider_page_shows_everything_known(client, directory):
    html = client.get("/providers/beta-biologics/").content.decode()
    for text in (
        "Beta Biologics",
        "Contract development and manufacturing organisation",
        "Headquarters: Germany",
        "Monoclonal antibody (mAb) and other biologics",
        "Pharmaceutical, Biotech",
        "Cork plant",
        "Ireland",
        "EU GMP",
        "FDA-inspected",
        "20 November 2026",
        "Curator call with the provider",
        "Serves Pre-clinical (IND-enabling) to Lifecycle management",
    ):
        assert text in html, text
    # The coverage map: one row per service, a cell per phase.
    assert html.count('<td class="on">') == 6 + 5  # biologics 2-7, fill-finish 3-7


def test_provider_page_suggests_similar_providers(client, directory):
    html = client.get("/providers/beta-biologics/").content.decode()
    similar = html[html.index('id="similar-heading"') :]
    assert "Delta Oligo" in similar  # also a CDMO with overlapping phases
    assert "Gamma Manufacturing" not in similar  # a CMO only
    assert "Draft Hidden" not in similar
    assert "/compare/?p=beta-biologics&amp;p=delta-oligo" in similar


def similar_section(page: bytes) -> str:
    """The similar providers' cards, with each response's own CSRF token masked."""
    html = page.decode()
    similar = html[html.index('id="similar-heading"') :]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", similar)


def test_provider_page_runs_a_fixed_number_of_queries(client, directory, django_assert_num_queries):
    client.get("/lifecycle/")  # the index, built
    # Version token, the provider with its services and sites, the similar providers' cards.
    with django_assert_num_queries(3):
        first = client.get("/providers/beta-biologics/").content
    # Again: the similar providers' cards are kept per index, so only the provider is read.
    with django_assert_num_queries(2):
        again = client.get("/providers/beta-biologics/").content
    assert similar_section(again) == similar_section(first)
    assert "Delta Oligo" in similar_section(again)
    with django_assert_num_queries(3):
        client.get("/providers/delta-oligo/")


def test_lifecycle_explorer_counts_stage_by_type_and_links_into_the_directory(client, directory):
    response = client.get("/lifecycle/")
    html = response.content.decode()
    assert "Pre-clinical (IND-enabling)" in html and "Clinical Phase II" in html
    # Pharmaceutical Discovery: CROs Alpha and Delta; no CMO. Delivery: CMO Gamma on the
    # pharmaceutical track, CMO Epsilon on the crop-protection track.
    discovery = "phase=discovery-research&amp;phase=preclinical"
    delivery = "phase=commercial-supply&amp;phase=lifecycle-management"
    assert f'href="/providers/?{discovery}&amp;type=cro">2<' in html
    assert f'href="/providers/?{discovery}&amp;type=cmo"' not in html  # zero: not a link
    assert f'href="/providers/?{delivery}&amp;type=cmo">1<' in html
    listed = client.get(
        "/providers/?phase=commercial-supply&phase=lifecycle-management&type=cmo"
    ).content.decode()
    assert "1 provider" in listed and "Gamma Manufacturing" in listed


def test_lifecycle_explorer_needs_no_query_beyond_the_version(
    client, directory, django_assert_num_queries
):
    client.get("/lifecycle/")
    with django_assert_num_queries(1):
        client.get("/lifecycle/")


def test_compare_shows_providers_side_by_side_and_marks_differences(client, directory):
    html = client.get("/compare/?p=beta-biologics&p=delta-oligo").content.decode()
    assert html.count('<th scope="col"><a href="/providers/') == 2
    assert "Mammalian cell culture biologics manufacture" in html
    assert "Oligonucleotide manufacture" in html
    assert 'class="differs"' in html
    # Both serve Phase I: that row does not differ.
    assert '<tr>\n      <th scope="row">Clinical Phase I</th>' in html


def test_compare_explains_bad_or_missing_choices(client, directory):
    html = client.get("/compare/?p=beta-biologics&p=nope&p=draft-hidden").content.decode()
    assert "no published provider has that address: “nope”, “draft-hidden”." in html
    assert "Choose at least two providers" in html
    many = "&".join(
        f"p={slug}"
        for slug in (
            "alpha-discovery",
            "beta-biologics",
            "delta-oligo",
            "epsilon-agro",
            "gamma-manufacturing",
        )
    )
    html = client.get(f"/compare/?{many}").content.decode()
    assert "Only 4 providers are compared at once; left out: Gamma Manufacturing." in html
    assert client.get("/compare/?p=" + "x" * 5000).status_code == 200
    for junk in ("%00", "lonza&p=%00", "%ff%fe", "a b", "'; drop table x;--"):
        assert client.get(f"/compare/?p={junk}").status_code == 200
    # Three or more: each column can be removed.
    html = client.get("/compare/?p=beta-biologics&p=delta-oligo&p=alpha-discovery").content.decode()
    assert 'href="/compare/?p=delta-oligo&amp;p=alpha-discovery">Remove' in html


def shortlist(client, *slugs):
    for slug in slugs:
        response = client.post(f"/providers/{slug}/shortlist/", {"action": "add"})
        assert response.status_code == 302


def test_shortlist_is_kept_in_the_session_without_an_account(client, directory):
    shortlist(client, "beta-biologics", "delta-oligo", "beta-biologics")
    html = client.get("/shortlist/").content.decode()
    assert "2 providers" in html
    assert html.index("Beta Biologics") < html.index("Delta Oligo")
    assert "/compare/?p=beta-biologics&amp;p=delta-oligo" in html
    client.post("/providers/beta-biologics/shortlist/", {"action": "remove"})
    html = client.get("/shortlist/").content.decode()
    assert "1 provider," in html and "Beta Biologics" not in html


def test_shortlist_htmx_swaps_the_button_and_the_count(client, directory):
    response = client.post(
        "/providers/beta-biologics/shortlist/", {"action": "add"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'aria-pressed="true"' in body
    assert 'id="shortlist-count" class="badge" data-hx-swap-oob="true"' in body


def test_shortlist_refuses_drafts_and_bad_actions(client, directory):
    assert client.post("/providers/draft-hidden/shortlist/", {"action": "add"}).status_code == 404
    assert client.post("/providers/beta-biologics/shortlist/", {"action": "x"}).status_code == 400
    assert client.get("/providers/beta-biologics/shortlist/").status_code == 405


def test_withdrawn_providers_leave_the_shortlist(client, directory):
    shortlist(client, "beta-biologics", "gamma-manufacturing")
    gamma = directory["gamma"]
    gamma.status = "withdrawn"
    gamma.save()
    html = client.get("/shortlist/").content.decode()
    assert "Gamma Manufacturing" not in html and "1 provider," in html


def test_shortlist_exports_csv_and_xlsx(client, directory):
    shortlist(client, "beta-biologics", "alpha-discovery")
    response = client.get("/shortlist/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Name" and [row[0] for row in rows[1:]] == [
        "Beta Biologics",
        "Alpha Discovery",
    ]
    beta = dict(zip(rows[0], rows[1], strict=True))
    assert beta["Types"] == "CDMO"
    assert (
        "Sterile fill-finish: Clinical Phase I to Lifecycle management"
        in beta["Services (capability: phases)"]
    )
    assert beta["Sites (certifications)"] == "Cork plant, Cork, Ireland (FDA-inspected, EU GMP)"
    # Nobody checked Beta: the export says "compiled" and how much is backed, never "verified".
    assert beta["Record (compiled, checked or confirmed)"].startswith("Compiled ")
    assert beta["Claims with evidence"] == "0 of 6"
    assert not any("verified" in heading.lower() for heading in rows[0])

    response = client.get("/shortlist/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Name" and sheet["A2"].value == "Beta Biologics"
    assert client.get("/shortlist/export.pdf").status_code == 404


def test_exports_never_carry_a_formula(client, directory):
    make_provider(
        '=HYPERLINK("http://evil.example")',
        slug="evil",
        types=("cro",),
        summary="+cmd",
        source="@SUM(A1)",
        state_on=None,
    )
    shortlist(client, "evil")
    rows = list(
        csv.reader(io.StringIO(client.get("/shortlist/export.csv").content.decode("utf-8-sig")))
    )
    assert rows[1][0].startswith("'=")
    sheet = load_workbook(io.BytesIO(client.get("/shortlist/export.xlsx").content)).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("'=")


def test_compare_without_a_choice_offers_the_shortlist(client, directory):
    shortlist(client, "beta-biologics", "delta-oligo")
    html = client.get("/compare/?p=beta-biologics").content.decode()
    assert "Pick two to four providers from your shortlist" in html
    assert 'name="p" value="beta-biologics" checked' in html
    assert 'name="p" value="delta-oligo">' in html
