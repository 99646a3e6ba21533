"""Small builders for test records (reference rows come from the migrations)."""

import datetime
import itertools

from lifecycle.models import Phase
from providers.models import (
    Capability,
    Certification,
    DosageForm,
    Evidence,
    Industry,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
    SiteCertificationLink,
)

_numbers = itertools.count(1)


def make_provider(
    name: str | None = None,
    *,
    types: tuple[str, ...] = ("cro",),
    services: tuple[tuple, ...] = (),
    modalities: tuple[str, ...] = (),
    industries: tuple[str, ...] = ("pharmaceutical",),
    sites: tuple[dict, ...] = (),
    status: str = Provider.Status.PUBLISHED,
    **fields,
) -> Provider:
    number = next(_numbers)
    name = name or f"Test Provider {number}"
    fields.setdefault("slug", f"test-provider-{number}")
    fields.setdefault("hq_country", "GB")
    fields.setdefault("summary", f"{name} summary.")
    provider = Provider.objects.create(name=name, status=status, **fields)
    provider.types.set(ProviderType.objects.filter(slug__in=types))
    provider.modalities.set(Modality.objects.filter(slug__in=modalities))
    provider.industries.set(Industry.objects.filter(slug__in=industries))
    # A service: (capability slug, first phase, last phase), optionally with a fourth item
    # {"modalities": (slugs...), "sites": (site names...), "dosage_forms": (slugs...)}.
    placed = []  # services are made first (history tests rely on the order), then placed
    for slug, first, last, *rest in services:
        parts = rest[0] if rest else {}
        service = Service.objects.create(
            provider=provider,
            capability=Capability.objects.get(slug=slug),
            first_phase=Phase.objects.get(position=first),
            last_phase=Phase.objects.get(position=last),
        )
        if parts.get("modalities"):
            service.modalities.set(Modality.objects.filter(slug__in=parts["modalities"]))
        if parts.get("sites"):
            placed.append((service, parts["sites"]))
        if parts.get("dosage_forms"):
            service.dosage_forms.set(DosageForm.objects.filter(slug__in=parts["dosage_forms"]))
    for site in sites:
        certifications = site.get("certifications", ())
        created = Site.objects.create(
            provider=provider,
            name=site["name"],
            city=site.get("city", ""),
            country=site["country"],
        )
        created.certifications.set(Certification.objects.filter(slug__in=certifications))
    for service, site_names in placed:
        service.sites.set(provider.sites.filter(name__in=site_names))
    provider.refresh_from_db()
    return provider


def ensure_reference_data() -> None:
    """Transactional tests flush the database; put back what the migrations load."""
    from django.apps import apps

    from lifecycle import reference as lifecycle_reference
    from providers import reference as providers_reference
    from providers.models import DirectoryVersion

    if not Phase.objects.exists():
        lifecycle_reference.sync(apps)
        providers_reference.sync(apps)
    DirectoryVersion.objects.get_or_create(id=1)


def add_evidence(claim, **fields) -> Evidence:
    """An evidence item backing ``claim``: a Provider (its profile), Service, Site,
    SiteCertificationLink, SiteIdentity or Inspection."""
    from providers.regulatory import Inspection, SiteIdentity

    target = {
        Provider: "provider",
        Service: "service",
        Site: "site",
        SiteCertificationLink: "site_certification",
        SiteIdentity: "site_identity",
        Inspection: "inspection",
    }[type(claim)]
    fields.setdefault("url", "https://provider.example/services")
    fields.setdefault("kind", Evidence.Kind.PROVIDER_PAGE)
    fields.setdefault("title", "Services page")
    fields.setdefault("seen_on", datetime.date(2026, 11, 1))
    return Evidence.objects.create(**{target: claim}, **fields)


def add_regulator_records(provider: Provider) -> None:
    """An FEI number with evidence, a DUNS number without, an FDA inspection with evidence
    and an EU one without, on the provider's first site: the provider page's regulator
    parts, each way."""
    from providers.regulatory import Inspection, SiteIdentity

    site = provider.sites.order_by("pk").first()
    fei = SiteIdentity.objects.create(site=site, scheme="fei", value="3001234567")
    SiteIdentity.objects.create(site=site, scheme="duns", value="123456789")
    add_evidence(fei, url="https://fda.example/fei", kind="regulator", title="FEI record")
    inspection = Inspection.objects.create(
        site=site,
        authority="fda",
        end_date=datetime.date(2025, 3, 14),
        outcome="vai",
        fda_inspection_id=1234567,
        citations_posted=True,
        source_url="https://fda.example/483",
    )
    add_evidence(inspection, url="https://fda.example/dash", kind="regulator", title="Dashboard")
    Inspection.objects.create(
        site=site, authority="eu", end_date=datetime.date(2024, 6, 1), outcome="gmp-certificate"
    )
