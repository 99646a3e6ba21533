"""The synthetic generator gives sites regulator identities and inspections at realistic
rates, so the benchmark measures the directory with them."""

import pytest
from django.db import models

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


def test_generated_claims_carry_evidence_at_realistic_rates():
    from providers.models import Evidence, Service

    generate(400, seed=3)
    providers = Provider.objects.filter(is_synthetic=True)
    items = Evidence.objects.filter(owner__is_synthetic=True)
    profiles = items.filter(provider__isnull=False).count()
    assert 0.8 * providers.count() < profiles < providers.count()
    services = Service.objects.filter(provider__is_synthetic=True).count()
    assert 0.4 * services < items.filter(service__isnull=False).count() < 0.7 * services
    inspections = Inspection.objects.filter(site__provider__is_synthetic=True).count()
    backed = items.filter(inspection__isnull=False).count()
    assert 0.5 * inspections < backed < 0.9 * inspections
    assert items.filter(site_identity__isnull=False, kind="regulator").exists()
    assert items.filter(site_certification__isnull=False).exists()
    # Every item backs a claim of its own provider, and the derived counts include them.
    assert not items.exclude(provider=None).exclude(provider_id=models.F("owner_id")).exists()
    assert not (
        items.exclude(service=None).exclude(service__provider_id=models.F("owner_id")).exists()
    )
    assert not (
        items.exclude(inspection=None)
        .exclude(inspection__site__provider_id=models.F("owner_id"))
        .exists()
    )
    assert providers.filter(backed_claim_count__gt=0).count() > 0.8 * providers.count()
    assert providers.exclude(backed_capability_ids=[]).count() > 0.5 * providers.count()


def test_evidence_draws_leave_the_rest_of_a_seed_as_it_was(monkeypatch):
    """Evidence has its own random stream: with it switched off, everything else a seed
    generates is the same."""
    from providers.devdata import synthetic

    def parts():
        return (
            sorted(Provider.objects.values_list("slug", "name", "hq_country", "state_on")),
            sorted(Site.objects.values_list("provider__slug", "name", "city")),
            sorted(SiteIdentity.objects.values_list("scheme", "value")),
            sorted(Inspection.objects.values_list("site__name", "end_date", "outcome")),
        )

    generate(60, seed=5)
    with_evidence = parts()
    monkeypatch.setattr(synthetic, "_evidence", lambda *args: None)
    generate(60, seed=5)
    assert parts() == with_evidence
    from providers.models import Evidence

    assert not Evidence.objects.exists()
