"""One published provider as the API gives it: one query, then one function per part.

``load(slug)`` reads the whole record in one SQL statement (``RECORD_SQL``): the provider
row, its types, modalities and industries, its services (with capability, category, track,
own modalities, dosage forms and sites), its sites (with certifications, regulator
identities and inspections), every evidence item it owns and the time of its last change,
each list as JSON already in the order the record gives it. Through the ORM the same
record took eleven queries with prefetches and ten times the CPU.

A part is a function ``(record, catalogue) -> dict`` over a ``Record`` and the directory
catalogue of the same index (for phase and stage labels). Adding to the record means
adding to the query and to a part, or adding a part to ``PARTS`` and its schema in
``schemas.ProviderDetail``; the response is written from these dicts without validating
them again (``api.schema_response``), and tests/api/test_shapes.py checks they match the
schemas.
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django_countries import countries

from lifecycle.coverage import coverage_label, range_label, stages_served
from providers.directory.index import DirectoryCatalogue
from providers.evidence import EvidenceKind
from providers.models import PUBLISHED
from providers.reads import prepared_cursor
from providers.regulatory import Authority, IdentityScheme, Outcome

# The last change to a record: the provider row, or the newest history row of its services,
# sites, evidence, or its sites' identities and inspections (editing one of them does not
# touch the provider's updated_at).
CHANGED_AT_SQL = """greatest(
    p.updated_at,
    (SELECT max(h.history_date) FROM providers_historicalservice AS h WHERE h.provider_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalsite AS h WHERE h.provider_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalprovider AS h WHERE h.id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalevidence AS h WHERE h.owner_id = p.id),
    (SELECT max(h.history_date) FROM providers_historicalsiteidentity AS h
     WHERE h.site_id IN (SELECT s.id FROM providers_site AS s WHERE s.provider_id = p.id)),
    (SELECT max(h.history_date) FROM providers_historicalinspection AS h
     WHERE h.site_id IN (SELECT s.id FROM providers_site AS s WHERE s.provider_id = p.id))
)"""


def _named(table: str, link: str, owner: str, target: str, condition: str) -> str:
    """[[slug, name]] of a reference table through a link table, in the model's order."""
    return f"""coalesce((
           SELECT json_agg(json_build_array(r.slug, r.name) ORDER BY r.position, r.name)
           FROM {link} AS l JOIN {table} AS r ON r.id = l.{target}
           WHERE l.{owner} = {condition}), '[]')"""


_PROVIDER_MODALITIES = _named(
    "providers_modality", "providers_provider_modalities", "provider_id", "modality_id", "p.id"
)
_PROVIDER_INDUSTRIES = _named(
    "providers_industry", "providers_provider_industries", "provider_id", "industry_id", "p.id"
)
_SERVICE_MODALITIES = _named(
    "providers_modality", "providers_service_modalities", "service_id", "modality_id", "s.id"
)
_SERVICE_DOSAGE_FORMS = _named(
    "providers_dosageform", "providers_service_dosage_forms", "service_id", "dosageform_id", "s.id"
)

# Orders are the models' own (Meta.ordering) so the record reads as it did through the
# ORM; evidence: newest first, then id.
RECORD_SQL = f"""
SELECT p.id, p.slug, p.name, p.summary, p.website, p.hq_country, p.phase_positions,
       p.state, p.state_on, p.source, p.claim_count, p.backed_claim_count,
       {CHANGED_AT_SQL},
       coalesce((
           SELECT json_agg(json_build_array(t.slug, t.code, t.name) ORDER BY t.position, t.code)
           FROM providers_provider_types AS l
           JOIN providers_providertype AS t ON t.id = l.providertype_id
           WHERE l.provider_id = p.id), '[]'),
       {_PROVIDER_MODALITIES},
       {_PROVIDER_INDUSTRIES},
       coalesce((
           SELECT json_agg(json_build_array(
                      s.id, c.slug, c.name, cat.slug, s.first_phase_id, s.last_phase_id,
                      tr.slug, tr.name, s.note,
                      {_SERVICE_MODALITIES},
                      {_SERVICE_DOSAGE_FORMS},
                      coalesce((
                          SELECT json_agg(site.name ORDER BY site.country, site.city, site.name)
                          FROM providers_service_sites AS ss
                          JOIN providers_site AS site ON site.id = ss.site_id
                          WHERE ss.service_id = s.id), '[]'))
                  ORDER BY cat.position, s.first_phase_id, s.id)
           FROM providers_service AS s
           JOIN providers_capability AS c ON c.id = s.capability_id
           JOIN providers_capabilitycategory AS cat ON cat.id = c.category_id
           JOIN lifecycle_track AS tr ON tr.id = c.track_id
           WHERE s.provider_id = p.id), '[]'),
       coalesce((
           SELECT json_agg(json_build_array(
                      site.id, site.name, site.city, site.country,
                      coalesce((
                          SELECT json_agg(json_build_array(
                                     sc.id, cert.slug, cert.name, cert.kind, cert.id))
                          FROM providers_site_certifications AS sc
                          JOIN providers_certification AS cert ON cert.id = sc.certification_id
                          WHERE sc.site_id = site.id), '[]'),
                      coalesce((
                          SELECT json_agg(json_build_array(
                                     ident.id, ident.scheme, ident.scheme_name, ident.value)
                                 ORDER BY ident.scheme, ident.value)
                          FROM providers_siteidentity AS ident
                          WHERE ident.site_id = site.id), '[]'),
                      coalesce((
                          SELECT json_agg(json_build_array(
                                     i.id, i.authority, i.authority_name, i.end_date,
                                     i.fiscal_year, i.outcome, i.outcome_text, i.product_type,
                                     i.project_area, i.citations_posted, i.warning_letter,
                                     i.source_url, i.fda_inspection_id)
                                 ORDER BY i.end_date DESC, i.id DESC)
                          FROM providers_inspection AS i
                          WHERE i.site_id = site.id), '[]'))
                  ORDER BY site.country, site.city, site.name)
           FROM providers_site AS site WHERE site.provider_id = p.id), '[]'),
       coalesce((
           SELECT json_agg(json_build_array(
                      e.provider_id, e.service_id, e.site_id, e.site_certification_id,
                      e.site_identity_id, e.inspection_id,
                      e.url, e.kind, e.title, e.seen_on, e.quote)
                  ORDER BY e.seen_on DESC, e.id)
           FROM providers_evidence AS e WHERE e.owner_id = p.id), '[]')
FROM providers_provider AS p
WHERE p.slug = %s AND p.status = %s
"""

# Which claim an evidence row backs: the position of its (only) non-null foreign key.
PROFILE, SERVICE, SITE, SITE_CERTIFICATION, IDENTITY, INSPECTION = range(6)


@dataclass(frozen=True)
class Record:
    id: int
    slug: str
    name: str
    summary: str
    website: str
    hq_country: str
    phase_positions: list
    state: str
    state_on: datetime.date | None
    source: str
    claim_count: int
    backed_claim_count: int
    changed_at: datetime.datetime
    types: list  # [slug, code, name]
    modalities: list  # [slug, name]
    industries: list  # [slug, name]
    # [id, capability slug, capability name, category slug, first phase, last phase,
    #  track slug, track name, note, own modalities, dosage forms, site names]
    services: list
    # [id, name, city, country, certifications, identities, inspections]; certification:
    # [link id, slug, name, kind, certification id]; identity: [id, scheme, scheme name,
    # value]; inspection: [id, authority, authority name, end date, fiscal year, outcome,
    # outcome text, product type, project area, citations posted, warning letter, source
    # URL, FDA inspection id]
    sites: list
    # every evidence item the provider owns, grouped by load(): {(claim, id): [item]}
    evidence: dict


def load(slug: str) -> Record | None:
    """The published provider ``slug`` with its parts (one query), or None."""
    with prepared_cursor() as cursor:
        cursor.execute(RECORD_SQL, [slug, PUBLISHED])
        row = cursor.fetchone()
    if row is None:
        return None
    *values, rows = row
    return Record(*values, evidence=_evidence_by_claim(rows))


def _country_name(code: str) -> str:
    return str(countries.name(code) or code)


KIND_NAMES = {kind: str(label) for kind, label in EvidenceKind.choices}


def _evidence_by_claim(rows: list) -> dict:
    """Evidence rows (six claim keys, then url, kind, title, seen on, quote; newest
    first) as the record's items, by (claim, claim id), in the same order."""
    by_claim: dict = {}
    for row in rows:
        claim = next(number for number in range(6) if row[number] is not None)
        url, kind, title, seen_on, quote = row[6:]
        by_claim.setdefault((claim, row[claim]), []).append(
            {
                "url": url,
                "kind": kind,
                "kind_name": KIND_NAMES.get(kind, kind),
                "title": title,
                "seen_on": seen_on,
                "quote": quote,
            }
        )
    return by_claim


def evidence(record: Record, claim: int, pk: int) -> list[dict]:
    """A claim's evidence items, newest first."""
    return record.evidence.get((claim, pk), [])


def profile(record: Record, catalogue: DirectoryCatalogue) -> dict:
    return {
        "summary": record.summary,
        "website": record.website,
        "hq_country": record.hq_country,
        "hq_country_name": _country_name(record.hq_country),
        "types": [{"slug": slug, "code": code, "name": name} for slug, code, name in record.types],
        "modalities": [{"slug": slug, "name": name} for slug, name in record.modalities],
        "industries": [{"slug": slug, "name": name} for slug, name in record.industries],
        "evidence": evidence(record, PROFILE, record.id),
    }


def coverage(record: Record, catalogue: DirectoryCatalogue) -> dict:
    by_position = catalogue.phase_by_position
    positions = [p for p in record.phase_positions if p in by_position]
    stage_slugs = {stage.pk: stage.slug for stage in catalogue.stages}
    return {
        "label": coverage_label(positions, by_position),
        "stages": [stage_slugs[pk] for pk in stages_served(positions, catalogue.phases)],
        "phases": [by_position[p].slug for p in sorted(positions)],
    }


def services(record: Record, catalogue: DirectoryCatalogue) -> list[dict]:
    """In the order of their capability's category, then first phase (the query's)."""
    by_position = catalogue.phase_by_position
    provider_modalities = [{"slug": slug, "name": name} for slug, name in record.modalities]
    return [
        {
            "capability": {"slug": slug, "name": name, "category": category},
            "first_phase": by_position[first].slug,
            "last_phase": by_position[last].slug,
            "phases": [by_position[p].slug for p in range(first, last + 1) if p in by_position],
            "range_label": range_label(first, last, by_position),
            "track": {"slug": track_slug, "name": track_name},
            **_modalities(own, provider_modalities),
            "dosage_forms": [{"slug": slug, "name": name} for slug, name in dosage_forms],
            "sites": site_names,
            "note": note,
            "evidence": evidence(record, SERVICE, pk),
        }
        for (
            pk,
            slug,
            name,
            category,
            first,
            last,
            track_slug,
            track_name,
            note,
            own,
            dosage_forms,
            site_names,
        ) in record.services
    ]


def _modalities(own: list, provider_modalities: list[dict]) -> dict:
    """The modalities a service applies to: its own; else, as the directory matches it,
    those stated for its provider as a whole; else none ("not stated")."""
    if own:
        return {
            "modalities": [{"slug": slug, "name": name} for slug, name in own],
            "modalities_stated": "service",
        }
    if provider_modalities:
        return {"modalities": provider_modalities, "modalities_stated": "provider"}
    return {"modalities": [], "modalities_stated": "not-stated"}


SCHEME_NAMES = {scheme: str(label) for scheme, label in IdentityScheme.choices}
AUTHORITY_NAMES = {authority: str(label) for authority, label in Authority.choices}
OUTCOME_NAMES = {outcome: str(label) for outcome, label in Outcome.choices}


def sites(record: Record, catalogue: DirectoryCatalogue) -> list[dict]:
    return [
        {
            "name": name,
            "city": city,
            "country": country,
            "country_name": _country_name(country),
            "certifications": [
                {
                    "slug": slug,
                    "name": cert_name,
                    "kind": kind,
                    "evidence": evidence(record, SITE_CERTIFICATION, link),
                }
                for link, slug, cert_name, kind, _pk in sorted(
                    certifications, key=lambda row: (row[2], row[4])
                )
            ],
            "identities": [
                {
                    "scheme": scheme,
                    "scheme_name": scheme_name or SCHEME_NAMES.get(scheme, scheme),
                    "value": value,
                    "evidence": evidence(record, IDENTITY, pk),
                }
                for pk, scheme, scheme_name, value in identities
            ],
            "inspections": [_inspection(record, row) for row in inspections],
            "evidence": evidence(record, SITE, pk),
        }
        for pk, name, city, country, certifications, identities, inspections in record.sites
    ]


def _inspection(record: Record, row: list) -> dict:
    (
        pk,
        authority,
        authority_name,
        end_date,
        fiscal_year,
        outcome,
        outcome_text,
        product_type,
        project_area,
        citations_posted,
        warning_letter,
        source_url,
        fda_inspection_id,
    ) = row
    return {
        "authority": authority,
        "authority_name": authority_name or AUTHORITY_NAMES.get(authority, authority),
        "end_date": end_date,
        "fiscal_year": fiscal_year,
        "outcome": outcome,
        "outcome_name": outcome_text
        if outcome == Outcome.OTHER
        else OUTCOME_NAMES.get(outcome, outcome),
        "product_type": product_type,
        "project_area": project_area,
        "citations_posted": citations_posted,
        "warning_letter": warning_letter,
        "record_url": source_url,
        "fda_inspection_id": fda_inspection_id,
        "evidence": evidence(record, INSPECTION, pk),
    }


def verification(record: Record, catalogue: DirectoryCatalogue) -> dict:
    return {
        "state": record.state,
        "state_on": record.state_on,
        "source": record.source,
        "claims": record.claim_count,
        "claims_with_evidence": record.backed_claim_count,
    }


PARTS = {
    "profile": profile,
    "coverage": coverage,
    "services": services,
    "sites": sites,
    "verification": verification,
}


def provider_record(record: Record, catalogue: DirectoryCatalogue, base_url: str) -> dict:
    """The whole record: identity, then every part."""
    return {
        "id": record.id,
        "slug": record.slug,
        "name": record.name,
        "url": f"{base_url}/api/v1/providers/{record.slug}",
        "page_url": base_url + reverse("providers:detail", args=[record.slug]),
        "updated_at": record.changed_at,
        **{name: part(record, catalogue) for name, part in PARTS.items()},
    }
