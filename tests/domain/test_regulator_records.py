"""Regulator identities and inspections of sites: formats, uniqueness and history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from providers.changes import change
from providers.models import Site
from providers.regulatory import Inspection, SiteIdentity, normalise_identifier
from tests.factories import make_provider
from tests.regulators.helpers import add_identity, add_inspection


@pytest.fixture
def site(db):
    provider = make_provider("Kappa Pharma", sites=[{"name": "Kappa Plant", "country": "US"}])
    return Site.objects.get(provider=provider)


def test_duns_typed_with_dashes_and_spaces_is_stored_as_digits(site):
    identity = add_identity(site, "duns", " 12-345 6789 ")
    identity.refresh_from_db()
    assert identity.value == "123456789"
    assert normalise_identifier("fei", "300-479.5989") == "3004795989"


@pytest.mark.parametrize(
    ("scheme", "value", "message"),
    [
        ("fei", "12345", "7 to 10 digits"),
        ("fei", "30047959891", "7 to 10 digits"),
        ("fei", "FEI3004795", "7 to 10 digits"),
        ("duns", "12345678", "9 digits"),
        ("duns", "1234567890", "9 digits"),
        ("eu-authorisation", "   ", "empty"),
        ("eu-gmp-certificate", "x" * 101, "at most 100"),
    ],
)
def test_a_malformed_identifier_gets_a_clear_message(site, scheme, value, message):
    identity = SiteIdentity(site=site, scheme=scheme, value=value)
    with pytest.raises(ValidationError) as raised:
        identity.full_clean()
    assert message in str(raised.value.message_dict["value"])


@pytest.mark.parametrize(
    ("scheme", "value", "scheme_name"),
    [
        ("fei", "12345", ""),
        ("fei", "12345678901", ""),
        ("duns", "12-345-678", ""),
        ("duns", "12345678", ""),
        ("eu-authorisation", " UK MIA 123", ""),
        ("eu-authorisation", "", ""),
        ("other", "ABC-1", ""),
        ("fei", "3004795989", "FEI"),
        ("nonsense", "1", ""),
    ],
)
def test_the_database_refuses_malformed_identifiers_whatever_writes_them(
    site, scheme, value, scheme_name
):
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteIdentity.objects.create(site=site, scheme=scheme, value=value, scheme_name=scheme_name)


def test_an_identifier_is_unique_per_scheme(site):
    other = Site.objects.create(provider=site.provider, name="Second plant", country="US")
    add_identity(site, "fei", "3004795989")
    add_identity(site, "eu-gmp-certificate", "UK GMP 1234 Insp GMP 1234/5-0001")
    # The same number in another scheme is another identifier.
    add_identity(other, "other", "3004795989", scheme_name="Registry X")
    with pytest.raises(ValidationError):
        add_identity(other, "fei", "300-479-5989")
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteIdentity.objects.create(site=other, scheme="fei", value="3004795989")
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteIdentity.objects.create(
            site=other, scheme="eu-gmp-certificate", value="uk gmp 1234 insp gmp 1234/5-0001"
        )


def test_inspection_outcomes_and_ids_fit_their_authority(site):
    with pytest.raises(ValidationError) as raised:
        Inspection(site=site, authority="eu", end_date="2025-01-01", outcome="oai").full_clean()
    assert "FDA" in str(raised.value.message_dict["outcome"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(site=site, authority="mhra", end_date="2025-01-01", outcome="vai")
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(
            site=site,
            authority="eu",
            end_date="2025-01-01",
            outcome="gmp-certificate",
            fda_inspection_id=5,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(
            site=site, authority="pmda", end_date="2025-01-01", outcome="other"
        )
    add_inspection(site, datetime.date(2024, 3, 1), "nai", fda_inspection_id=1234567)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_inspection(site, datetime.date(2024, 5, 1), "vai", fda_inspection_id=1234567)


def test_identities_and_inspections_keep_history_with_the_change(site):
    with change() as change_id:
        identity = add_identity(site, "fei", "3004795989")
        inspection = add_inspection(site, datetime.date(2024, 3, 1), "vai")
    identity.value = "3004795990"
    identity.save()
    assert [h.value for h in identity.history.order_by("history_date")] == [
        "3004795989",
        "3004795990",
    ]
    assert identity.history.earliest("history_date").change_id == change_id
    assert inspection.history.get().change_id == change_id


def test_identities_and_inspections_feed_the_providers_derived_columns(site):
    provider = site.provider
    add_identity(site, "eu-gmp-certificate", "GMP-CERT-1")
    add_inspection(site, datetime.date(2024, 3, 1), "vai")
    add_inspection(site, datetime.date(2023, 1, 1), "nai")
    add_inspection(site, datetime.date(2022, 6, 1), "vai", warning_letter=True)
    provider.refresh_from_db()
    assert provider.fda_acceptable_on == datetime.date(2024, 3, 1)
    assert provider.adverse_on == datetime.date(2022, 6, 1)
    assert provider.inspection_flags == ["eu-gmp-certificate", "inspected"]
    site.inspections.all().delete()
    site.identities.all().delete()
    provider.refresh_from_db()
    assert (provider.fda_acceptable_on, provider.adverse_on, provider.inspection_flags) == (
        None,
        None,
        [],
    )


def test_an_eu_certificate_counts_until_a_later_statement_of_non_compliance(site):
    provider = site.provider
    add_inspection(site, datetime.date(2023, 3, 1), "gmp-certificate")
    provider.refresh_from_db()
    assert "eu-gmp-certificate" in provider.inspection_flags
    add_inspection(site, datetime.date(2024, 3, 1), "non-compliance")
    provider.refresh_from_db()
    assert "eu-gmp-certificate" not in provider.inspection_flags
    assert provider.adverse_on == datetime.date(2024, 3, 1)


def test_the_migration_merges_inspections_of_one_site_authority_and_day(db):
    """Rows an earlier FDA import could leave (one inspection per project area, no ID)
    are merged before the database holds a site to one such inspection a day."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from providers.models import Evidence, Provider
    from tests.factories import add_evidence

    migration = importlib.import_module(
        "providers.migrations.0017_evidence_on_identities_inspections"
    )
    provider = make_provider("Twin Co", sites=[{"name": "Plant", "country": "US"}])
    site = provider.sites.get()
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("DROP INDEX inspection_unique_without_fda_id")  # a partial unique index
    day = datetime.date(2023, 5, 6)
    first = Inspection.objects.create(
        site=site, authority="fda", end_date=day, outcome="nai", project_area="Drugs QA"
    )
    second = Inspection.objects.create(
        site=site,
        authority="fda",
        end_date=day,
        outcome="oai",
        project_area="Biologics",
        citations_posted=True,
    )
    other_day = Inspection.objects.create(
        site=site, authority="fda", end_date=datetime.date(2023, 5, 7), outcome="vai"
    )
    add_evidence(second, title="Second's record")
    migration.merge_same_day_inspections(apps, None)
    assert list(Inspection.objects.order_by("pk").values_list("pk", flat=True)) == [
        first.pk,
        other_day.pk,
    ]
    first.refresh_from_db()
    assert (first.outcome, first.project_area, first.citations_posted) == (
        "oai",
        "Drugs QA; Biologics",
        True,
    )
    assert Evidence.objects.get(title="Second's record").inspection_id == first.pk
    assert Provider.objects.filter(pk=provider.pk).exists()
