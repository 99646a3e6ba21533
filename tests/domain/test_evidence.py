"""Evidence on claims: one claim per item (checked by the database), and the derived
counts and the "services with evidence" column kept fresh by the signals."""

import pytest
from django.db import IntegrityError, transaction

from providers.models import Evidence, Provider, SiteCertificationLink
from tests.factories import add_evidence, make_provider

pytestmark = pytest.mark.django_db


def _provider():
    return make_provider(
        services=[("glp-toxicology", 2, 3), ("target-validation", 1, 1)],
        sites=[{"name": "Plant", "country": "DE", "certifications": ["glp", "eu-gmp"]}],
    )


def test_an_item_backs_exactly_one_claim_in_the_database():
    provider = _provider()
    service = provider.services.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            owner=provider,
            provider=provider,
            service=service,
            url="https://x.example/",
            kind="news",
            title="Both",
            seen_on="2026-01-01",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            owner=provider,
            url="https://x.example/",
            kind="news",
            title="None",
            seen_on="2026-01-01",
        )


def test_only_http_urls_are_stored():
    provider = _provider()
    with pytest.raises(IntegrityError), transaction.atomic():
        add_evidence(provider, url="javascript:alert(1)")


def test_claim_counts_and_backed_services_are_derived_and_refreshed():
    provider = _provider()
    # profile + 2 services + 1 site + 2 certifications
    assert (provider.claim_count, provider.backed_claim_count) == (6, 0)
    service = provider.services.get(capability__slug="glp-toxicology")
    first = add_evidence(service)
    add_evidence(service, title="Second source for the same service")
    add_evidence(SiteCertificationLink.objects.filter(site__provider=provider).first())
    provider.refresh_from_db()
    assert provider.backed_claim_count == 2
    assert provider.backed_capability_ids == [service.capability_id]
    assert first.owner_id == provider.pk

    service.evidence.all().delete()
    provider.refresh_from_db()
    assert provider.backed_claim_count == 1
    assert provider.backed_capability_ids == []


def test_evidence_goes_with_its_claim():
    provider = _provider()
    service = provider.services.first()
    add_evidence(service)
    service.delete()
    assert not Evidence.objects.exists()
    provider.refresh_from_db()
    assert provider.backed_claim_count == 0


def test_a_checked_record_names_its_curator_and_date():
    provider = _provider()
    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.filter(pk=provider.pk).update(state="checked")
