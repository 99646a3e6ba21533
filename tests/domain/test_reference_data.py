import pytest

from lifecycle.models import Phase, Stage
from providers.models import (
    Capability,
    CapabilityCategory,
    Certification,
    Industry,
    Modality,
    ProviderType,
)

pytestmark = pytest.mark.django_db


def test_three_stages_in_lifecycle_order_with_plain_descriptions():
    stages = list(Stage.objects.all())
    assert [stage.name for stage in stages] == ["Discovery", "Development", "Delivery"]
    assert all(len(stage.description) > 40 for stage in stages)


def test_phases_are_ordered_across_the_lifecycle_and_belong_to_the_right_stage():
    phases = list(Phase.objects.select_related("stage").filter(track__slug="pharma"))
    assert [(phase.slug, phase.stage.slug) for phase in phases] == [
        ("discovery-research", "discovery"),
        ("preclinical", "discovery"),
        ("phase-1", "development"),
        ("phase-2", "development"),
        ("phase-3", "development"),
        ("commercial-supply", "delivery"),
        ("lifecycle-management", "delivery"),
    ]
    assert [phase.position for phase in phases] == list(range(1, 8))
    assert all(phase.description for phase in phases)


def test_provider_types_serve_the_stages_the_brief_names():
    typical = {
        provider_type.code: {stage.slug for stage in provider_type.typical_stages.all()}
        for provider_type in ProviderType.objects.all()
    }
    assert typical == {
        "CRO": {"discovery", "development"},
        "CDMO": {"development", "delivery"},
        "CMO": {"delivery"},
        "CRDMO": {"discovery", "development", "delivery"},
        "Lab": {"development", "delivery"},
        "CSP": {"development"},
        "SMO": {"development"},
    }


def test_capability_catalogue_is_large_grouped_and_has_valid_phase_ranges():
    assert Capability.objects.count() >= 40
    categories = set(CapabilityCategory.objects.values_list("slug", flat=True))
    assert {
        "discovery",
        "preclinical",
        "drug-substance",
        "drug-product",
        "analytical",
        "clinical",
        "regulatory",
        "packaging-logistics",
        "agrochemical",
    } <= categories
    for category in CapabilityCategory.objects.all():
        assert category.capabilities.exists(), category
    for capability in Capability.objects.select_related("first_phase", "last_phase"):
        assert capability.first_phase_id <= capability.last_phase_id, capability
        assert capability.first_phase.track_id == capability.track_id, capability
        assert capability.last_phase.track_id == capability.track_id, capability


def test_modalities_industries_and_certifications_are_there():
    assert {
        "small-molecule",
        "peptide",
        "oligonucleotide",
        "monoclonal-antibody",
        "adc",
        "cell-therapy",
        "gene-therapy",
        "vaccine",
        "agrochemical-active",
    } <= set(Modality.objects.values_list("slug", flat=True))
    assert set(Industry.objects.values_list("slug", flat=True)) >= {
        "pharmaceutical",
        "biotech",
        "agrochemical",
        "animal-health",
    }
    assert {"fda-inspected", "eu-gmp", "glp", "gcp", "iso-9001"} <= set(
        Certification.objects.values_list("slug", flat=True)
    )
