"""One published provider as the API gives it: one function per part of the record.

A part is a function ``(provider, catalogue) -> dict`` over a provider loaded with
``Provider.objects.published().with_parts()`` and the directory catalogue of the same
index. Adding to the record (modalities per service, regulator identities per site,
evidence) means adding to a part or adding a part to ``PARTS`` and its schema in
``schemas.ProviderDetail``; nothing else changes.
"""

from django_countries import countries

from lifecycle.coverage import coverage_label, range_label, stages_served
from providers.directory.index import DirectoryCatalogue
from providers.models import Provider
from providers.reads import read_connection

# The last change to a record: the provider row, or the newest history row of its services
# or sites (a service or site edit does not touch the provider's updated_at).
CHANGED_AT_SQL = """
SELECT greatest(
    p.updated_at,
    (SELECT max(h.history_date) FROM providers_historicalservice AS h WHERE h.provider_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalsite AS h WHERE h.provider_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalprovider AS h WHERE h.id = p.id)
)
FROM providers_provider AS p WHERE p.id = %s
"""


def load(slug: str) -> Provider | None:
    """The published provider ``slug`` with its parts, or None."""
    provider = Provider.objects.published().with_parts().filter(slug=slug).first()
    if provider is not None:
        with read_connection().cursor() as cursor:
            cursor.execute(CHANGED_AT_SQL, [provider.pk])
            provider.changed_at = cursor.fetchone()[0] or provider.updated_at
    return provider


def _country_name(code: str) -> str:
    return str(countries.name(code) or code)


def profile(provider: Provider, catalogue: DirectoryCatalogue) -> dict:
    return {
        "summary": provider.summary,
        "website": provider.website,
        "hq_country": provider.hq_country.code,
        "hq_country_name": _country_name(provider.hq_country.code),
        "types": [
            {"slug": row.slug, "code": row.code, "name": row.name} for row in provider.types.all()
        ],
        "modalities": [{"slug": row.slug, "name": row.name} for row in provider.modalities.all()],
        "industries": [{"slug": row.slug, "name": row.name} for row in provider.industries.all()],
    }


def coverage(provider: Provider, catalogue: DirectoryCatalogue) -> dict:
    by_position = catalogue.phase_by_position
    positions = [p for p in provider.phase_positions if p in by_position]
    stage_slugs = {stage.pk: stage.slug for stage in catalogue.stages}
    return {
        "label": coverage_label(positions, by_position),
        "stages": [stage_slugs[pk] for pk in stages_served(positions, catalogue.phases)],
        "phases": [by_position[p].slug for p in sorted(positions)],
    }


def services(provider: Provider, catalogue: DirectoryCatalogue) -> list[dict]:
    by_position = catalogue.phase_by_position
    categories = catalogue.categories
    rows = sorted(
        provider.services.all(),
        key=lambda s: (categories[s.capability.category_id].position, s.first_phase_id, s.pk),
    )
    return [
        {
            "capability": {
                "slug": service.capability.slug,
                "name": service.capability.name,
                "category": categories[service.capability.category_id].slug,
            },
            "first_phase": by_position[service.first_phase_id].slug,
            "last_phase": by_position[service.last_phase_id].slug,
            "phases": [
                by_position[p].slug
                for p in range(service.first_phase_id, service.last_phase_id + 1)
                if p in by_position
            ],
            "range_label": range_label(service.first_phase_id, service.last_phase_id, by_position),
            "note": service.note,
        }
        for service in rows
    ]


def sites(provider: Provider, catalogue: DirectoryCatalogue) -> list[dict]:
    return [
        {
            "name": site.name,
            "city": site.city,
            "country": site.country.code,
            "country_name": _country_name(site.country.code),
            "certifications": [
                {"slug": row.slug, "name": row.name, "kind": row.kind}
                for row in site.certifications.all()
            ],
        }
        for site in provider.sites.all()
    ]


def verification(provider: Provider, catalogue: DirectoryCatalogue) -> dict:
    return {"state": provider.state, "state_on": provider.state_on, "source": provider.source}


PARTS = {
    "profile": profile,
    "coverage": coverage,
    "services": services,
    "sites": sites,
    "verification": verification,
}


def provider_record(provider: Provider, catalogue: DirectoryCatalogue, base_url: str) -> dict:
    """The whole record: identity, then every part."""
    return {
        "id": provider.pk,
        "slug": provider.slug,
        "name": provider.name,
        "url": f"{base_url}/api/v1/providers/{provider.slug}",
        "page_url": f"{base_url}{provider.get_absolute_url()}",
        "updated_at": provider.changed_at,
        **{name: part(provider, catalogue) for name, part in PARTS.items()},
    }
