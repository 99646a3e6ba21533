"""Buyers find providers by regulator identifiers, see each site's inspections, and filter
by inspection outcomes."""

import datetime

import pytest
from django.utils import timezone

from providers.directory import index as directory_index
from providers.models import Site
from providers.regulatory import years_before
from tests.regulators.helpers import add_identity, add_inspection

pytestmark = pytest.mark.django_db


def years_ago(years: int, days: int = 0) -> datetime.date:
    return years_before(timezone.localdate(), years) - datetime.timedelta(days=days)


@pytest.fixture
def inspected(directory):
    """Beta (Cork): recent VAI and an EU certificate; Gamma (Hyderabad): NAI 2 years ago
    but OAI 4 years ago; Alpha (Boston): NAI 4 years ago only."""
    cork = Site.objects.get(name="Cork plant")
    hyderabad = Site.objects.get(name="Hyderabad")
    boston = Site.objects.get(name="Boston lab")
    add_identity(cork, "fei", "3004795989")
    add_identity(cork, "duns", "98-765-4321")
    add_inspection(
        cork,
        years_ago(1),
        "vai",
        product_type="Biologics",
        project_area="Therapeutic Biologics",
        citations_posted=True,
        fda_inspection_id=1200001,
    )
    add_inspection(
        cork,
        years_ago(2),
        "gmp-certificate",
        authority_name="HPRA",
        source_url="https://eudragmdp.example/cert/1",
    )
    add_inspection(hyderabad, years_ago(2), "nai", product_type="Drugs")
    add_inspection(
        hyderabad,
        years_ago(4),
        "oai",
        warning_letter=True,
        source_url="https://fda.example/warning-letters/1",
    )
    add_inspection(boston, years_ago(4), "nai")
    directory_index.reset()
    return directory


def slugs(html: str) -> list[str]:
    import re

    return re.findall(r'<h3><a href="/providers/([a-z0-9-]+)/">', html)


@pytest.mark.parametrize("typed", ["3004795989", "98-765-4321", "987 654 321", "987654321"])
def test_typing_an_fei_or_duns_number_finds_the_sites_provider(client, inspected, typed):
    html = client.get("/providers/", {"q": typed}).content.decode()
    assert slugs(html) == ["beta-biologics"]


def test_short_numbers_are_not_joined_into_identifiers(client, inspected):
    from providers.text import words

    assert words("phase 1 2") == ["phase", "1", "2"]
    assert words("DUNS 98-765-4321") == ["duns", "987654321"]


def test_the_provider_page_shows_identities_and_inspections_newest_first(client, inspected):
    html = client.get("/providers/beta-biologics/").content.decode()
    assert "FDA FEI number <code>3004795989</code>" in html
    assert "DUNS number <code>987654321</code>" in html
    vai = html.index("Voluntary action indicated (VAI)")
    certificate = html.index("GMP certificate issued")
    assert vai < certificate  # newest first
    assert "Biologics · Therapeutic Biologics" in html
    assert "citations posted" in html
    assert 'href="https://eudragmdp.example/cert/1"' in html
    assert "(HPRA)" in html
    gamma = client.get("/providers/gamma-manufacturing/").content.decode()
    assert '<tr class="adverse">' in gamma and "warning letter" in gamma


def test_the_provider_page_still_runs_a_fixed_number_of_queries(
    client, inspected, django_assert_num_queries
):
    client.get("/lifecycle/")  # the index, built
    with django_assert_num_queries(3):  # version token, the provider, the similar cards
        client.get("/providers/beta-biologics/")
    with django_assert_num_queries(2):  # the similar providers' cards are known now
        client.get("/providers/beta-biologics/")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("inspection=fda-acceptable", ["beta-biologics", "gamma-manufacturing"]),
        ("inspection=eu-gmp-certificate", ["beta-biologics"]),
        (
            "inspection=no-adverse",
            ["alpha-discovery", "beta-biologics", "delta-oligo", "epsilon-agro"],
        ),
        ("inspection=fda-acceptable&inspection=no-adverse", ["beta-biologics"]),
    ],
)
def test_buyers_filter_by_inspection_outcomes(client, inspected, query, expected):
    html = client.get(f"/providers/?{query}").content.decode()
    assert slugs(html) == expected


def test_inspection_filters_show_counts_and_ignore_unknown_values(client, inspected):
    html = client.get("/providers/?inspection=nonsense").content.decode()
    assert "Ignored unknown inspection record" in html
    assert "FDA NAI or VAI within 3 years" in html
    assert len(slugs(html)) == 5


def test_within_n_years_is_decided_against_the_day_the_index_is_built(inspected):
    today = timezone.localdate()
    now = directory_index.build_index(today)
    later = directory_index.build_index(years_before(today, -3))
    beta = now.position_of[inspected["beta"].pk]
    gamma = now.position_of[inspected["gamma"].pk]
    assert now.bits["inspection"]["fda-acceptable"] >> beta & 1
    assert not (now.bits["inspection"]["no-adverse"] >> gamma & 1)
    # Three years on, Beta's VAI is four years old and Gamma's OAI seven.
    assert not (later.bits["inspection"].get("fda-acceptable", 0) >> beta & 1)
    assert later.bits["inspection"]["no-adverse"] >> gamma & 1


def test_a_new_day_rebuilds_the_index(inspected, monkeypatch):
    first = directory_index.get_index()
    assert directory_index.get_index() is first
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(directory_index.timezone, "localdate", lambda: tomorrow)
    rebuilt = directory_index.get_index()
    assert rebuilt is not first and rebuilt.built_on == tomorrow


def test_the_directory_runs_a_fixed_number_of_queries_with_inspection_filters(
    client, inspected, django_assert_num_queries
):
    client.get("/providers/")
    directory_index.get_index().forget_rendered()
    with django_assert_num_queries(2):  # the version token and the page of cards
        client.get("/providers/?inspection=fda-acceptable&type=cdmo")
    with django_assert_num_queries(1):  # the same page again: its cards are known
        client.get("/providers/?inspection=fda-acceptable&type=cdmo")
