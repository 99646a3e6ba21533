"""Demo and synthetic data put agrochemical services on the crop-protection track."""

import pytest
from django.core.management import call_command

from providers.devdata import demo as demo_data
from providers.devdata.synthetic import generate
from providers.models import Provider, Service

pytestmark = pytest.mark.django_db

CROP_FROM = 11  # the first crop-protection position


def on_crop_track(providers) -> set[str]:
    return set(
        Service.objects.filter(provider__in=providers, first_phase_id__gte=CROP_FROM).values_list(
            "provider__slug", flat=True
        )
    )


def test_demo_holds_real_agrochemical_providers_on_the_crop_protection_track():
    call_command("load_demo")
    crop = on_crop_track(Provider.objects.filter(is_synthetic=False))
    assert len(crop) >= 24
    # Field-trial and ecotoxicology CROs, regulatory laboratories, custom and toll makers.
    assert {
        "staphyt",
        "biochem-agrar",
        "ibacon",
        "mambo-tox",
        "jai-research-foundation",
        "knoell",
        "schirm",
        "van-diest-supply",
        "aarti-industries",
    } <= crop
    assert len([row for row in demo_data.PROVIDERS if row["slug"] in crop]) == len(crop)
    # No agrochemical service is left on clinical phases, and every service is on its
    # capability's track.
    for service in Service.objects.select_related("capability__track", "first_phase__track"):
        assert service.first_phase.track_id == service.capability.track_id, service
        assert service.capability.allows(service.first_phase_id, service.last_phase_id)
    labcorp = Provider.objects.get(slug="labcorp")
    assert labcorp.services.get(capability__slug="agro-regulatory-studies").first_phase_id >= 13


def test_synthetic_agrochemical_services_lie_on_their_track_at_realistic_rates():
    generate(600, seed=5)
    synthetic = Provider.objects.filter(is_synthetic=True)
    services = Service.objects.filter(provider__in=synthetic).select_related("capability__track")
    crop = [s for s in services if s.capability.track.slug == "crop-protection"]
    assert crop
    for service in services:
        assert service.first_phase.track_id == service.capability.track_id
        assert service.capability.allows(service.first_phase_id, service.last_phase_id)
    with_crop = len({service.provider_id for service in crop})
    # Specialists (about 8 %) and a few pharmaceutical providers with a sideline.
    assert 0.06 * 600 <= with_crop <= 0.2 * 600
    agro_industry = set(
        synthetic.filter(industries__slug="agrochemical").values_list("pk", flat=True)
    )
    assert {service.provider_id for service in crop} == agro_industry
