"""The synthetic generator gives sites regulator identities and inspections at realistic
rates, so the benchmark measures the directory with them."""

import pytest

from providers.devdata.synthetic import generate
from providers.models import Provider, Site
from providers.regulatory import Inspection, SiteIdentity

pytestmark = pytest.mark.django_db


def test_generated_sites_have_identities_and_inspections_at_realistic_rates():
    generate(400, seed=3)
    sites = Site.objects.filter(provider__is_synthetic=True).count()
    fei = SiteIdentity.objects.filter(scheme="fei").count()
    assert 0.15 * sites < fei < 0.5 * sites
    assert SiteIdentity.objects.filter(scheme="duns").count() > 0.15 * sites
    assert SiteIdentity.objects.filter(scheme="eu-gmp-certificate").exists()
    fda = Inspection.objects.filter(authority="fda")
    assert fda.count() > fei  # about two per inspected site
    oai = fda.filter(outcome="oai").count() / fda.count()
    assert 0.02 < oai < 0.15
    assert Inspection.objects.filter(outcome="gmp-certificate").exists()
    # The derived columns carry them, as for curated records.
    providers = Provider.objects.filter(is_synthetic=True)
    assert providers.filter(fda_acceptable_on__isnull=False).count() > 40
    assert providers.filter(inspection_flags__contains=["eu-gmp-certificate"]).exists()


def test_regenerating_replaces_the_regulator_data_too():
    generate(100, seed=2)
    first = sorted(SiteIdentity.objects.values_list("scheme", "value"))
    generate(100, seed=2)
    assert sorted(SiteIdentity.objects.values_list("scheme", "value")) == first
    generate(5, seed=2)
    assert SiteIdentity.objects.count() < len(first)
    assert not Inspection.objects.filter(site__provider__is_synthetic=False).exists()


def test_a_synthetic_fei_finds_its_provider(client):
    generate(50, seed=4)
    identity = (
        SiteIdentity.objects.filter(scheme="fei", site__provider__status="published")
        .select_related("site__provider")
        .first()
    )
    html = client.get("/providers/", {"q": identity.value}).content.decode()
    assert f'href="/providers/{identity.site.provider.slug}/"' in html
