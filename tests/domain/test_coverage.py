"""A provider's coverage and facet columns are derived from its parts, and stay fresh."""

import pytest

from lifecycle.coverage import stages_served
from lifecycle.models import Phase, Stage
from providers.models import Capability, Certification, Modality, ProviderType, Service, Site
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def served_stage_slugs(provider) -> list[str]:
    slugs = dict(Stage.objects.values_list("pk", "slug"))
    return [slugs[pk] for pk in stages_served(provider.phase_positions, Phase.objects.all())]


def test_coverage_is_the_union_of_service_phase_ranges():
    provider = make_provider(
        services=[("process-development", 2, 3), ("commercial-api-manufacture", 6, 7)]
    )
    assert provider.phase_positions == [2, 3, 6, 7]
    assert served_stage_slugs(provider) == ["discovery", "development", "delivery"]


def test_no_services_means_no_coverage():
    provider = make_provider()
    assert provider.phase_positions == []
    assert served_stage_slugs(provider) == []


def test_coverage_follows_service_changes_and_deletes():
    provider = make_provider(services=[("glp-toxicology", 2, 2)])
    service = Service.objects.create(
        provider=provider,
        capability=Capability.objects.get(slug="trial-management"),
        first_phase_id=3,
        last_phase_id=5,
    )
    provider.refresh_from_db()
    assert provider.phase_positions == [2, 3, 4, 5]
    service.last_phase_id = 3
    service.save()
    provider.refresh_from_db()
    assert provider.phase_positions == [2, 3]
    service.delete()
    provider.refresh_from_db()
    assert provider.phase_positions == [2]
    assert "development" not in served_stage_slugs(provider)


def test_facet_columns_follow_types_modalities_sites_and_certifications():
    provider = make_provider(
        types=("cdmo",),
        modalities=("peptide",),
        hq_country="CH",
        sites=[{"name": "Plant", "country": "US", "certifications": ["fda-inspected"]}],
        services=[("peptide-manufacture", 3, 6)],
    )
    assert provider.type_ids == [ProviderType.objects.get(slug="cdmo").pk]
    assert provider.countries == ["CH", "US"]
    fda = Certification.objects.get(slug="fda-inspected")
    assert provider.certification_ids == [fda.pk]

    provider.types.add(ProviderType.objects.get(slug="cmo"))
    provider.modalities.add(Modality.objects.get(slug="oligonucleotide"))
    site = Site.objects.get(provider=provider)
    site.certifications.add(Certification.objects.get(slug="eu-gmp"))
    provider.refresh_from_db()
    assert len(provider.type_ids) == 2
    assert len(provider.modality_ids) == 2
    assert len(provider.certification_ids) == 2

    site.delete()
    provider.refresh_from_db()
    assert provider.countries == ["CH"]
    assert provider.certification_ids == []


def test_search_document_follows_capability_renames():
    provider = make_provider(services=[("viral-vector", 2, 4)])
    capability = Capability.objects.get(slug="viral-vector")
    capability.name = "Adeno-associated vector production"
    capability.save()
    provider.refresh_from_db()
    assert "adeno" in str(provider.search_document)
