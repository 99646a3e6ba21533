"""Curators edit a site's regulator identities and inspections inline, find sites and
providers by identifier, and list inspections."""

import datetime

import pytest

from providers.models import Site
from providers.regulatory import Inspection, SiteIdentity
from tests.factories import make_provider
from tests.regulators.helpers import add_identity, add_inspection


@pytest.fixture
def site(db):
    provider = make_provider(
        "Lambda Sterile", slug="lambda-sterile", sites=[{"name": "Lambda Fill", "country": "IT"}]
    )
    return Site.objects.get(provider=provider)


def site_payload(site: Site, identities: list[dict], inspections: list[dict]) -> dict:
    payload = {
        "provider": site.provider_id,
        "name": site.name,
        "city": site.city,
        "country": str(site.country),
        "identities-TOTAL_FORMS": str(len(identities)),
        "identities-INITIAL_FORMS": "0",
        "inspections-TOTAL_FORMS": str(len(inspections)),
        "inspections-INITIAL_FORMS": "0",
    }
    for number, values in enumerate(identities):
        payload.update({f"identities-{number}-{key}": value for key, value in values.items()})
    for number, values in enumerate(inspections):
        payload.update({f"inspections-{number}-{key}": value for key, value in values.items()})
    return payload


def test_identities_and_inspections_are_edited_inline_on_the_site(client, curator, site):
    url = f"/admin/providers/site/{site.pk}/change/"
    page = client.get(url).content.decode()
    assert "Regulator identities" in page and "Inspections" in page
    response = client.post(
        url,
        site_payload(
            site,
            [{"scheme": "duns", "value": "12-345-6789"}, {"scheme": "fei", "value": "3001234567"}],
            [
                {
                    "authority": "fda",
                    "end_date": "2024-05-02",
                    "outcome": "vai",
                    "product_type": "Drugs",
                    "source_url": "https://fda.example/483/1",
                }
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(site.identities.values_list("scheme", "value")) == [
        ("duns", "123456789"),
        ("fei", "3001234567"),
    ]
    assert site.inspections.get().source_url == "https://fda.example/483/1"
    site.provider.refresh_from_db()
    assert site.provider.fda_acceptable_on == datetime.date(2024, 5, 2)


def test_a_bad_identifier_is_refused_on_the_form_with_a_message(client, curator, site):
    add_identity(
        Site.objects.create(provider=site.provider, name="Other", country="IT"),
        "fei",
        "3001234567",
    )
    response = client.post(
        f"/admin/providers/site/{site.pk}/change/",
        site_payload(
            site,
            [{"scheme": "duns", "value": "1234"}, {"scheme": "fei", "value": "300-123-4567"}],
            [{"authority": "eu", "end_date": "2024-05-02", "outcome": "oai"}],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "DUNS number: write 9 digits" in html
    assert "This identifier is already recorded for a site." in html
    assert "NAI, VAI and OAI are FDA classifications" in html
    assert not SiteIdentity.objects.filter(site=site).exists()
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("typed", ["123456789", "12-345-6789", "3001234567"])
def test_admin_search_finds_sites_and_providers_by_identifier(client, curator, site, typed):
    add_identity(site, "duns", "123456789")
    add_identity(site, "fei", "3001234567")
    make_provider("Unrelated", sites=[{"name": "Elsewhere", "country": "FR"}])
    sites = client.get("/admin/providers/site/", {"q": typed}).content.decode()
    assert "Lambda Fill" in sites and "Elsewhere" not in sites
    providers = client.get("/admin/providers/provider/", {"q": typed}).content.decode()
    assert "Lambda Sterile" in providers and "Unrelated" not in providers


def test_inspections_have_a_changelist_searchable_by_fda_id(client, curator, site):
    add_inspection(site, datetime.date(2024, 1, 9), "oai", fda_inspection_id=1187654)
    add_inspection(site, datetime.date(2021, 1, 9), "nai")
    page = client.get("/admin/providers/inspection/").content.decode()
    assert page.count('class="field-end_date') == 2
    assert "Official action indicated (OAI)" in page and "Lambda Sterile" in page
    found = client.get("/admin/providers/inspection/", {"q": "1187654"}).content.decode()
    assert found.count('class="field-end_date') == 1 and "1187654" in found
