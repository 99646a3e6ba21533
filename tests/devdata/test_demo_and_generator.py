from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import models

from providers.changes import change
from providers.devdata import demo as demo_data
from providers.devdata.synthetic import generate
from providers.models import Evidence, Provider, Service, Site
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(
            Provider.objects.order_by("slug").values_list(
                "slug",
                "name",
                "status",
                "website",
                "hq_country",
                "phase_positions",
                "type_ids",
                "modality_ids",
                "countries",
                "updated_at",
            )
        ),
        sorted(
            Service.objects.values_list(
                "provider__slug", "capability__slug", "first_phase_id", "last_phase_id"
            )
        ),
        sorted(Site.objects.values_list("provider__slug", "name", "city", "country")),
        Provider.history.count(),
    )


def test_load_demo_loads_sixty_plus_published_providers_marked_as_demo(capsys):
    call_command("load_demo")
    providers = Provider.objects.filter(is_synthetic=False)
    assert providers.count() == len(demo_data.PROVIDERS) >= 60
    assert set(providers.values_list("status", flat=True)) == {"published"}
    assert all(
        "demo data compiled from public company information" in provider.source.lower()
        for provider in providers
    )
    assert all(provider.phase_positions for provider in providers)
    countries = set(providers.values_list("hq_country", flat=True))
    assert {"US", "CN", "IN", "DE"} <= countries
    assert providers.filter(industry_ids__len__gt=0, industries__slug="agrochemical").exists()


def test_load_demo_twice_changes_nothing(capsys):
    call_command("load_demo")
    before = snapshot()
    capsys.readouterr()
    call_command("load_demo")
    assert snapshot() == before
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_load_demo_never_changes_a_record_a_curator_edited(capsys):
    call_command("load_demo")
    lonza = Provider.objects.get(slug="lonza")
    with change():
        lonza.summary = "Edited by a curator."
        lonza.save()
        lonza.services.filter(capability__slug="hpapi").delete()
    Provider.objects.filter(slug="iqvia").delete()  # a missing demo provider comes back
    capsys.readouterr()
    call_command("load_demo")
    assert "1 created, 0 updated" in capsys.readouterr().out
    lonza.refresh_from_db()
    assert lonza.summary == "Edited by a curator."
    assert not lonza.services.filter(capability__slug="hpapi").exists()
    assert Provider.objects.filter(slug="iqvia").exists()


def test_every_demo_record_is_compiled_with_evidence_from_its_own_website():
    call_command("load_demo")
    providers = Provider.objects.filter(is_synthetic=False)
    assert set(providers.values_list("state", flat=True)) == {"compiled"}
    assert not providers.filter(checked_by__isnull=False).exists()
    for provider in providers:
        items = Evidence.objects.filter(owner=provider)
        assert items.filter(provider=provider).exists(), provider.slug
        # Each service is backed by the provider's own page, on its own website.
        assert provider.services.count() == items.filter(service__isnull=False).count()
        host = urlsplit(provider.website).hostname
        assert {urlsplit(url).hostname for url in items.values_list("url", flat=True)} == {host}
        assert set(items.values_list("kind", flat=True)) == {"provider-page"}


def test_demo_facts_are_current():
    call_command("load_demo")
    recipharm = Provider.objects.get(slug="recipharm")
    assert not recipharm.services.filter(capability__slug="inhalation-products").exists()
    assert "Bespak" in recipharm.summary
    bespak = Provider.objects.get(slug="bespak")
    assert bespak.services.filter(capability__slug="inhalation-products").exists()
    assert "IQVIA" in Provider.objects.get(slug="charles-river-laboratories").summary
    for slug, city in (
        ("lonza", "Vacaville"),
        ("syngene-international", "Baltimore"),
        ("bachem", "Vista"),
        ("vetter", "Des Plaines"),
    ):
        assert Site.objects.filter(provider__slug=slug, city=city, country="US").exists()


def test_generator_is_deterministic_for_a_seed():
    generate(60, seed=7)
    first = snapshot()[1:3]
    generate(60, seed=7)
    assert snapshot()[1:3] == first
    generate(60, seed=8)
    assert snapshot()[1:3] != first


def test_generator_marks_synthetic_records_and_leaves_curated_ones_alone():
    curated = make_provider("Curated Ltd", slug="curated")
    assert generate(200, seed=1) == 200
    synthetic = Provider.objects.filter(is_synthetic=True)
    assert synthetic.count() == 200
    assert all(
        "synthetic" in source.lower() for source in synthetic.values_list("source", flat=True)
    )
    assert Provider.objects.filter(pk=curated.pk, is_synthetic=False).exists()
    generate(10, seed=1)
    assert Provider.objects.filter(is_synthetic=True).count() == 10


def test_generator_spread_looks_like_a_real_directory():
    generate(400, seed=3)
    providers = Provider.objects.filter(is_synthetic=True)
    assert providers.filter(status="published").count() > 300
    assert providers.filter(type_ids__len=2).exists()  # several types
    assert len({c for row in providers.values_list("countries", flat=True) for c in row}) > 10
    assert providers.filter(certification_ids__len__gt=0).count() > 100
    assert all(row for row in providers.values_list("phase_positions", flat=True))
    # Services respect their capability's phase range.
    for service in Service.objects.select_related("capability"):
        assert service.capability.allows(service.first_phase_id, service.last_phase_id)


def test_demo_services_carry_their_own_modalities_sites_and_forms_where_it_matters():
    call_command("load_demo")
    lonza = Provider.objects.get(slug="lonza")

    def modalities(provider, capability):
        service = provider.services.get(capability__slug=capability)
        return {modality.slug for modality in service.modalities.all()}

    # A CDMO's antibody manufacture is not its small-molecule work, nor the reverse.
    assert modalities(lonza, "mammalian-biologics") == {
        "monoclonal-antibody",
        "recombinant-protein",
    }
    assert modalities(lonza, "hpapi") == {"small-molecule"}
    mammalian = lonza.services.get(capability__slug="mammalian-biologics")
    assert {site.name for site in mammalian.sites.all()} == {"Visp", "Portsmouth", "Vacaville"}
    # A chemical maker's agrochemical actives are not its pharmaceutical intermediates.
    pi = Provider.objects.get(slug="pi-industries")
    assert modalities(pi, "agro-custom-manufacture") == {"agrochemical-active"}
    assert modalities(pi, "custom-synthesis") == {"small-molecule"}
    vetter = Provider.objects.get(slug="vetter")
    forms = vetter.services.get(capability__slug="sterile-fill-finish").dosage_forms
    assert set(forms.values_list("slug", flat=True)) == {"prefilled-syringe", "sterile-injectable"}
    # Providers of several modalities mostly say which service serves which.
    mixed = [p for p in Provider.objects.filter(is_synthetic=False) if p.modalities.count() > 1]
    scoped = [p for p in mixed if p.services.filter(modalities__isnull=False).exists()]
    assert len(scoped) >= 0.6 * len(mixed)


def test_the_demo_directory_passes_the_import_checks_as_a_file():
    """Demo records skip the file parser; written out and read back they must pass it (every
    site a service names is the provider's, every dosage form its capability's)."""
    from providers.interchange.importing import plan_import
    from providers.interchange.records import ReferenceLookup
    from providers.interchange.writing import csv_lines
    from providers.management.commands.load_demo import demo_records

    catalogue = ReferenceLookup.load()
    records = demo_records(catalogue)
    data = "".join(csv_lines(records, catalogue)).encode("utf-8")
    plan = plan_import(data, "demo.csv")
    assert plan.ok, plan.errors[:5]
    assert {row.record for row in plan.rows} == set(records)


def test_load_demo_leaves_a_service_a_curator_rescoped(capsys):
    from providers.models import Modality

    call_command("load_demo")
    lonza = Provider.objects.get(slug="lonza")
    service = lonza.services.get(capability__slug="viral-vector")
    with change():
        service.modalities.set([Modality.objects.get(slug="cell-therapy")])
    capsys.readouterr()
    call_command("load_demo")
    assert "0 updated" in capsys.readouterr().out
    assert [m.slug for m in service.modalities.all()] == ["cell-therapy"]


def service_links() -> tuple:
    from providers.models import ServiceDosageFormLink, ServiceModalityLink, ServiceSiteLink

    return (
        sorted(
            ServiceModalityLink.objects.values_list(
                "service__provider__slug", "service__capability__slug", "modality__slug"
            )
        ),
        sorted(
            ServiceDosageFormLink.objects.values_list(
                "service__provider__slug", "service__capability__slug", "dosageform__slug"
            )
        ),
        sorted(
            ServiceSiteLink.objects.values_list(
                "service__provider__slug", "service__capability__slug", "site__name"
            )
        ),
    )


def test_generated_services_carry_modalities_dosage_forms_and_sites_at_realistic_rates():
    from providers.models import ServiceDosageFormLink, ServiceSiteLink

    generate(400, seed=5)
    services = Service.objects.filter(provider__is_synthetic=True)
    total = services.count()
    with_modalities = services.filter(modalities__isnull=False).distinct().count()
    assert 0.25 * total < with_modalities < 0.8 * total
    # Antibody manufacture is for antibodies and proteins, never small molecules.
    mammalian = services.filter(capability__slug="mammalian-biologics", modalities__isnull=False)
    assert mammalian.exists()
    assert not mammalian.filter(modalities__slug="small-molecule").exists()
    # Dosage forms only where the capability lists them, on most such services.
    formed = services.filter(capability__dosage_forms__isnull=False).distinct()
    with_forms = formed.filter(dosage_forms__isnull=False).distinct().count()
    assert 0.4 * formed.count() < with_forms < 0.9 * formed.count()
    for link in ServiceDosageFormLink.objects.select_related("service__capability"):
        assert link.service.capability.dosage_forms.filter(pk=link.dosageform_id).exists()
    # Sites: some services say where they are done, always at their own provider's sites.
    sited = services.filter(provider__sites__isnull=False).distinct()
    with_sites = sited.filter(sites__isnull=False).distinct().count()
    assert 0.2 * sited.count() < with_sites < 0.8 * sited.count()
    assert not ServiceSiteLink.objects.exclude(
        site__provider=models.F("service__provider")
    ).exists()
    # The provider's modality column is the union over its services (and its own links).
    provider = mammalian.first().provider
    assert set(mammalian.first().modalities.values_list("pk", flat=True)) <= set(
        provider.modality_ids
    )


def test_generated_service_links_are_deterministic_and_deleted_with_their_providers():
    generate(80, seed=11)
    first = service_links()
    assert all(first)
    generate(80, seed=11)
    assert service_links() == first
    generate(0, seed=11)
    assert service_links() == ([], [], [])


def test_demo_answers_glp_toxicology_cros_in_the_us_by_where_the_studies_are_run(client):
    import re

    from providers.directory import index as directory_index

    call_command("load_demo")
    directory_index.reset()
    html = client.get(
        "/providers/", {"capability": "glp-toxicology", "type": "cro", "country": "US"}
    ).content.decode()
    found = set(re.findall(r'<h3><a href="/providers/[^"]+/">([^<]+)</a></h3>', html))
    assert {"Charles River Laboratories", "Labcorp", "Inotiv"} <= found
    # Syngene runs its safety studies in Bengaluru; its US site makes biologics.
    assert "Syngene International" not in found
