"""The database itself refuses rows that break the domain's rules."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from providers.models import Capability, Provider, Service, Site
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def refused(**fields) -> bool:
    defaults = {"name": "Acme", "slug": "acme", "hq_country": "GB"}
    try:
        with transaction.atomic():
            Provider.objects.create(**{**defaults, **fields})
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "archived"},
        {"slug": "Not A Slug"},
        {"slug": "-leading-dash"},
        {"name": "   "},
        {"state": "verified"},
        {"state": "checked", "state_on": datetime.date(2026, 1, 1)},
        {"state": "confirmed"},
    ],
)
def test_provider_rows_breaking_a_rule_are_refused(fields):
    assert refused(**fields)


def test_country_codes_are_checked_by_the_database_itself():
    from django.db import connection

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO providers_provider (name, slug, hq_country, summary, website, source,"
            " created_at, updated_at, phase_positions, type_ids, capability_ids, modality_ids,"
            " industry_ids, certification_ids, countries)"
            " VALUES ('Raw', 'raw', 'gb', '', '', '', now(), now(),"
            " '{}', '{}', '{}', '{}', '{}', '{}', '{}')"
        )


def test_a_valid_provider_is_accepted_and_defaults_to_draft():
    assert not refused(state_on=datetime.date(2026, 1, 1), source="https://acme.example")
    assert Provider.objects.get(slug="acme").status == Provider.Status.DRAFT


def test_slug_and_website_are_unique_case_insensitively():
    make_provider(slug="acme", website="https://acme.example")
    assert refused(slug="acme", name="Other")
    assert refused(slug="other", website="HTTPS://ACME.example")
    assert not refused(slug="third", website="")
    assert not refused(slug="fourth", website="")


def test_service_phase_range_must_be_ordered_and_one_per_capability():
    provider = make_provider(services=[("process-development", 2, 4)])
    capability = Capability.objects.get(slug="formulation-development")
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(
            provider=provider, capability=capability, first_phase_id=5, last_phase_id=3
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(
            provider=provider,
            capability=Capability.objects.get(slug="process-development"),
            first_phase_id=3,
            last_phase_id=3,
        )


def test_service_outside_the_capability_range_fails_validation():
    from django.core.exceptions import ValidationError

    provider = make_provider()
    service = Service(
        provider=provider,
        capability=Capability.objects.get(slug="phase-1-unit"),
        first_phase_id=1,
        last_phase_id=3,
    )
    with pytest.raises(ValidationError, match="applies from"):
        service.full_clean()


def test_site_names_unique_per_provider_and_countries_are_iso_codes():
    provider = make_provider(sites=[{"name": "Visp", "country": "CH"}])
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(provider=provider, name="VISP", country="CH")
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(provider=provider, name="Basel", country="")
    other = make_provider()
    Site.objects.create(provider=other, name="Visp", country="CH")


def test_a_capability_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    make_provider(services=[("glp-toxicology", 2, 3)])
    with pytest.raises(ProtectedError):
        Capability.objects.get(slug="glp-toxicology").delete()


def test_the_filter_indexes_exist():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'providers_provider'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "provider_phases_gin",
        "provider_types_gin",
        "provider_capabilities_gin",
        "provider_modalities_gin",
        "provider_industries_gin",
        "provider_certifications_gin",
        "provider_countries_gin",
        "provider_search_gin",
        "provider_name_trgm",
    } <= names


@pytest.mark.parametrize(
    ("model_name", "slug"),
    [("ProviderType", "cdmo"), ("Modality", "peptide"), ("Certification", "glp")],
)
def test_catalogue_rows_in_use_cannot_be_deleted_even_in_raw_sql(model_name, slug):
    from django.apps import apps
    from django.db import connection
    from django.db.models import ProtectedError

    make_provider(
        types=("cdmo",),
        modalities=("peptide",),
        sites=[{"name": "Lab", "country": "US", "certifications": ["glp"]}],
    )
    model = apps.get_model("providers", model_name)
    row = model.objects.get(slug=slug)
    with pytest.raises(ProtectedError):
        row.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [row.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
