"""Each industry has its own track of phases through the three shared stages; the catalogue
places every capability on one track, and a service never leaves its capability's track."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from lifecycle.coverage import coverage_label, tracks_served
from lifecycle.models import Phase, Track
from providers.models import Capability, Certification, Industry, Modality, ProviderType, Service
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def test_crop_protection_has_its_own_track_along_the_real_path():
    assert list(Track.objects.values_list("slug", flat=True)) == ["pharma", "crop-protection"]
    crop = list(Phase.objects.filter(track__slug="crop-protection").select_related("stage"))
    assert [(phase.slug, phase.stage.slug) for phase in crop] == [
        ("crop-discovery", "discovery"),
        ("crop-profiling", "discovery"),
        ("crop-regulatory-studies", "development"),
        ("crop-field-trials", "development"),
        ("crop-registration", "development"),
        ("crop-technical-manufacture", "delivery"),
        ("crop-formulation-packaging", "delivery"),
        ("crop-renewal-stewardship", "delivery"),
    ]
    assert [phase.position for phase in crop] == list(range(11, 19))
    pharma = Phase.objects.filter(track__slug="pharma")
    assert list(pharma.values_list("position", flat=True)) == list(range(1, 8))
    registration = Phase.objects.get(slug="crop-registration").description
    assert "1107/2009" in registration and "FIFRA" in registration
    formulation = Phase.objects.get(slug="crop-formulation-packaging").description
    for code in ("EC", "SC", "WG", "WP", "SL", "EW", "SE", "OD", "CS", "GR", "FS"):
        assert code in formulation
    assert all(len(track.description) > 80 for track in Track.objects.all())


def test_industries_name_their_track():
    tracks = dict(Industry.objects.values_list("slug", "track__slug"))
    assert tracks["agrochemical"] == "crop-protection"
    assert tracks["pharmaceutical"] == tracks["biotech"] == "pharma"


REQUIRED_CAPABILITIES = [
    "radiopharmaceuticals",
    "plasmid-dna",
    "biocatalysis",
    "controlled-substances",
    "radiolabelling",
    "blow-fill-seal",
    "prefilled-syringes",
    "long-acting-injectables",
    "ophthalmic-products",
    "nasal-products",
    "transdermal",
    "modified-release",
    "viral-safety",
    "cell-bank-testing",
    "potency-bioassays",
    "nitrosamine-testing",
    "container-closure-integrity",
    "research-models",
    "bioequivalence",
    "rtsm",
    "medical-writing",
]
CROP_CAPABILITIES = [
    "agro-physchem",
    "agro-five-batch",
    "agro-toxicology",
    "agro-ecotoxicology",
    "agro-environmental-fate",
    "agro-residue-chemistry",
    "agro-efficacy-trials",
    "agro-residue-field-trials",
    "agro-registration",
    "agro-custom-manufacture",
    "agro-formulation",
    "agro-packaging",
]


def test_catalogue_holds_over_a_hundred_described_capabilities_with_synonyms():
    capabilities = Capability.objects.all()
    assert capabilities.count() >= 100
    for capability in capabilities:
        assert capability.description and capability.synonyms, capability.slug
    slugs = set(capabilities.values_list("slug", flat=True))
    assert set(REQUIRED_CAPABILITIES + CROP_CAPABILITIES) <= slugs
    on_crop = set(
        Capability.objects.filter(track__slug="crop-protection").values_list("slug", flat=True)
    )
    assert set(CROP_CAPABILITIES) <= on_crop
    assert on_crop == set(
        Capability.objects.filter(category__slug="agrochemical").values_list("slug", flat=True)
    )
    assert {"crdmo", "testing-laboratory", "clinical-supply", "smo"} <= set(
        ProviderType.objects.values_list("slug", flat=True)
    )
    assert {"iso-17025", "cap-clia", "iso-13485", "gdp", "dea-registration"} <= set(
        Certification.objects.values_list("slug", flat=True)
    )
    agro = Modality.objects.get(slug="agrochemical-active").synonyms
    assert {"pesticide", "herbicide", "fungicide", "insecticide"} <= {
        word.strip() for word in agro.split(",")
    }


def test_the_database_keeps_a_capability_on_its_track():
    pharma = Track.objects.get(slug="pharma")
    capability = Capability.objects.get(slug="agro-ecotoxicology")
    with pytest.raises(IntegrityError), transaction.atomic():
        Capability.objects.filter(pk=capability.pk).update(track=pharma)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_capability_on_one_track_cannot_take_phases_of_another():
    capability = Capability.objects.get(slug="glp-toxicology")
    capability.last_phase = Phase.objects.get(slug="crop-registration")
    with pytest.raises(ValidationError) as error:
        capability.full_clean()
    assert "Crop protection" in str(error.value)


def test_a_service_stays_on_its_capabilitys_track():
    provider = make_provider()
    service = Service(
        provider=provider,
        capability=Capability.objects.get(slug="agro-formulation"),
        first_phase=Phase.objects.get(slug="phase-3"),
        last_phase=Phase.objects.get(slug="commercial-supply"),
    )
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "on the Crop protection track" in str(error.value)
    service.first_phase = Phase.objects.get(slug="crop-formulation-packaging")
    service.last_phase = Phase.objects.get(slug="crop-renewal-stewardship")
    service.full_clean()  # on its track and inside the capability's range


def test_coverage_reads_per_track():
    phases = {phase.position: phase for phase in Phase.objects.select_related("track")}
    both = make_provider(
        services=[("glp-toxicology", 2, 3), ("agro-ecotoxicology", 13, 18)],
        industries=("pharmaceutical", "agrochemical"),
    )
    assert [phases[both.phase_positions[0]].track.slug] == ["pharma"]
    assert len(tracks_served(both.phase_positions, phases)) == 2
    assert coverage_label(both.phase_positions, phases) == (
        "Serves Pharmaceuticals and biotech: Pre-clinical (IND-enabling) to Clinical Phase I; "
        "Crop protection: Regulatory studies to Renewal and stewardship"
    )
    crop_only = make_provider(services=[("agro-formulation", 17, 18)])
    assert coverage_label(crop_only.phase_positions, phases) == (
        "Serves Formulation and packaging to Renewal and stewardship"
    )


def test_a_new_capability_lies_on_the_track_of_its_phases_unless_told():
    category = Capability.objects.get(slug="agro-formulation").category
    capability = Capability.objects.create(
        name="Adjuvant testing",
        slug="adjuvant-testing",
        category=category,
        first_phase_id=13,
        last_phase_id=18,
    )
    assert capability.track.slug == "crop-protection"
