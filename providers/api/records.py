"""One published provider as the API gives it: one function per part of the record.

A part is a function ``(provider, catalogue) -> dict`` over a provider loaded with
``Provider.objects.published().with_parts()`` and the directory catalogue of the same
index. Adding to the record (modalities per service, regulator identities per site,
evidence) means adding to a part or adding a part to ``PARTS`` and its schema in
``schemas.ProviderDetail``; nothing else changes.
"""

from django.db.models import Prefetch
from django_countries import countries

from lifecycle.coverage import coverage_label, range_label, stages_served
from providers.directory.index import DirectoryCatalogue
from providers.evidence import EvidenceKind
from providers.models import Provider, SiteCertificationLink
from providers.reads import read_connection
from providers.regulatory import Authority, IdentityScheme, Outcome

# The last change to a record: the provider row, or the newest history row of its services,
# sites, evidence, or its sites' identities and inspections (editing one of them does not
# touch the provider's updated_at).
CHANGED_AT_SQL = """
SELECT greatest(
    p.updated_at,
    (SELECT max(h.history_date) FROM providers_historicalservice AS h WHERE h.provider_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalsite AS h WHERE h.provider_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalprovider AS h WHERE h.id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalevidence AS h WHERE h.owner_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalsiteidentity AS h
     WHERE h.site_id IN (SELECT s.id FROM providers_site AS s WHERE s.provider_id = p.id)),
    (SELECT max(h.history_date) FROM providers_historicalinspection AS h
     WHERE h.site_id IN (SELECT s.id FROM providers_site AS s WHERE s.provider_id = p.id))
)
FROM providers_provider AS p WHERE p.id = %s
"""


# What a record adds to ``with_parts()``: each claim's evidence, the services' own
# modalities, dosage forms and sites, the sites' identities and inspections. A fixed
# number of queries whatever the record holds.
RECORD_PARTS = (
    "evidence",
    "services__capability__track",
    "services__modalities",
    "services__dosage_forms",
    "services__sites",
    "services__evidence",
    "sites__evidence",
    Prefetch(
        "sites__sitecertificationlink_set",
        queryset=SiteCertificationLink.objects.select_related("certification").prefetch_related(
            "evidence"
        ),
    ),
    "sites__identities__evidence",
    "sites__inspections__evidence",
)


def load(slug: str) -> Provider | None:
    """The published provider ``slug`` with its parts, or None."""
    provider = (
        Provider.objects.published()
        .with_parts()
        .prefetch_related(*RECORD_PARTS)
        .filter(slug=slug)
        .first()
    )
    if provider is not None:
        with read_connection().cursor() as cursor:
            cursor.execute(CHANGED_AT_SQL, [provider.pk])
            provider.changed_at = cursor.fetchone()[0] or provider.updated_at
    return provider


def _country_name(code: str) -> str:
    return str(countries.name(code) or code)


KIND_NAMES = dict(EvidenceKind.choices)


def evidence(items) -> list[dict]:
    """A claim's evidence items, newest first (the model's order)."""
    return [
        {
            "url": item.url,
            "kind": item.kind,
            "kind_name": KIND_NAMES.get(item.kind, item.kind),
            "title": item.title,
            "seen_on": item.seen_on,
            "quote": item.quote,
        }
        for item in items
    ]


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
        "evidence": evidence(provider.evidence.all()),
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
    provider_modalities = [
        {"slug": row.slug, "name": row.name} for row in provider.modalities.all()
    ]
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
            "track": {"slug": service.capability.track.slug, "name": service.capability.track.name},
            **_modalities(service, provider_modalities),
            "dosage_forms": [
                {"slug": row.slug, "name": row.name} for row in service.dosage_forms.all()
            ],
            "sites": [site.name for site in service.sites.all()],
            "note": service.note,
            "evidence": evidence(service.evidence.all()),
        }
        for service in rows
    ]


def _modalities(service, provider_modalities: list[dict]) -> dict:
    """The modalities a service applies to: its own; else, as the directory matches it,
    those stated for its provider as a whole; else none ("not stated")."""
    own = [{"slug": row.slug, "name": row.name} for row in service.modalities.all()]
    if own:
        return {"modalities": own, "modalities_stated": "service"}
    if provider_modalities:
        return {"modalities": provider_modalities, "modalities_stated": "provider"}
    return {"modalities": [], "modalities_stated": "not-stated"}


SCHEME_NAMES = dict(IdentityScheme.choices)
AUTHORITY_NAMES = dict(Authority.choices)
OUTCOME_NAMES = dict(Outcome.choices)


def sites(provider: Provider, catalogue: DirectoryCatalogue) -> list[dict]:
    return [
        {
            "name": site.name,
            "city": site.city,
            "country": site.country.code,
            "country_name": _country_name(site.country.code),
            "certifications": [
                {
                    "slug": link.certification.slug,
                    "name": link.certification.name,
                    "kind": link.certification.kind,
                    "evidence": evidence(link.evidence.all()),
                }
                for link in sorted(
                    site.sitecertificationlink_set.all(),
                    key=lambda link: (link.certification.name, link.certification.pk),
                )
            ],
            "identities": [
                {
                    "scheme": row.scheme,
                    "scheme_name": row.scheme_name or SCHEME_NAMES.get(row.scheme, row.scheme),
                    "value": row.value,
                    "evidence": evidence(row.evidence.all()),
                }
                for row in site.identities.all()
            ],
            "inspections": [
                {
                    "authority": row.authority,
                    "authority_name": row.authority_name
                    or AUTHORITY_NAMES.get(row.authority, row.authority),
                    "end_date": row.end_date,
                    "fiscal_year": row.fiscal_year,
                    "outcome": row.outcome,
                    "outcome_name": row.outcome_label,
                    "product_type": row.product_type,
                    "project_area": row.project_area,
                    "citations_posted": row.citations_posted,
                    "warning_letter": row.warning_letter,
                    "record_url": row.source_url,
                    "fda_inspection_id": row.fda_inspection_id,
                    "evidence": evidence(row.evidence.all()),
                }
                for row in site.inspections.all()
            ],
            "evidence": evidence(site.evidence.all()),
        }
        for site in provider.sites.all()
    ]


def verification(provider: Provider, catalogue: DirectoryCatalogue) -> dict:
    return {
        "state": provider.state,
        "state_on": provider.state_on,
        "source": provider.source,
        "claims": provider.claim_count,
        "claims_with_evidence": provider.backed_claim_count,
    }


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
