"""Loading providers from the database as interchange records, in a fixed number of
queries per chunk: used by exports, the importer's "unchanged?" check and history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lifecycle.models import Phase
from providers.interchange.format import (
    PROFILE_CLAIM,
    EvidenceEntry,
    ProviderRecord,
    ServiceEntry,
    SiteEntry,
    certification_claim,
    identity_claim,
    inspection_claim,
    service_claim,
    site_claim,
    site_names_order,
)
from providers.models import (
    Capability,
    Certification,
    DosageForm,
    Evidence,
    Industry,
    Modality,
    Provider,
    ProviderIndustryLink,
    ProviderModalityLink,
    ProviderType,
    ProviderTypeLink,
    Service,
    ServiceDosageFormLink,
    ServiceModalityLink,
    ServiceSiteLink,
    Site,
    SiteCertificationLink,
    SiteIdentity,
)


@dataclass
class ReferenceLookup:
    """The reference data a file may name, loaded once per import or export."""

    types: dict[str, ProviderType] = field(default_factory=dict)
    industries: dict[str, Industry] = field(default_factory=dict)
    modalities: dict[str, Modality] = field(default_factory=dict)
    capabilities: dict[str, Capability] = field(default_factory=dict)
    certifications: dict[str, Certification] = field(default_factory=dict)
    dosage_forms: dict[str, DosageForm] = field(default_factory=dict)
    phases: dict[int, Phase] = field(default_factory=dict)
    # Capability slug -> the dosage form slugs its services may name (none: not applicable).
    capability_forms: dict[str, frozenset[str]] = field(default_factory=dict)
    # Lower-cased names, codes and slugs -> slug, for friendly input.
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ReferenceLookup:
        catalogue = cls(
            types={row.slug: row for row in ProviderType.objects.all()},
            industries={row.slug: row for row in Industry.objects.all()},
            modalities={row.slug: row for row in Modality.objects.all()},
            capabilities={row.slug: row for row in Capability.objects.select_related("track")},
            certifications={row.slug: row for row in Certification.objects.all()},
            dosage_forms={row.slug: row for row in DosageForm.objects.all()},
            phases={row.position: row for row in Phase.objects.select_related("track")},
        )
        forms: dict[str, set[str]] = {}
        for capability, form in Capability.dosage_forms.through.objects.values_list(
            "capability__slug", "dosageform__slug"
        ):
            forms.setdefault(capability, set()).add(form)
        catalogue.capability_forms = {slug: frozenset(held) for slug, held in forms.items()}
        for name in (
            "types",
            "industries",
            "modalities",
            "capabilities",
            "certifications",
            "dosage_forms",
        ):
            aliases = {}
            for slug, row in getattr(catalogue, name).items():
                aliases[row.name.lower()] = slug
                if name == "types":
                    aliases[row.code.lower()] = slug
                aliases[slug] = slug
            catalogue.aliases[name] = aliases
        phase_aliases = {}
        for position, phase in catalogue.phases.items():
            for alias in (str(position), phase.slug, phase.name.lower(), phase.short_name.lower()):
                phase_aliases[alias] = str(position)
        catalogue.aliases["phases"] = phase_aliases
        return catalogue

    def by_id(self, name: str) -> dict[int, str]:
        return {row.pk: slug for slug, row in getattr(self, name).items()}

    def ordered(self, name: str, slugs: Iterable[str]) -> list[str]:
        rows = getattr(self, name)
        return sorted(slugs, key=lambda slug: (getattr(rows[slug], "position", 0), slug))


def load_records(provider_ids: list[int], lookup: ReferenceLookup) -> dict[int, ProviderRecord]:
    """Canonical records of the given providers, in a fixed number of queries."""
    types, industries, modalities = (
        lookup.by_id("types"),
        lookup.by_id("industries"),
        lookup.by_id("modalities"),
    )
    capabilities, certifications = (
        lookup.by_id("capabilities"),
        lookup.by_id("certifications"),
    )
    links: dict[str, dict[int, set[str]]] = {"types": {}, "industries": {}, "modalities": {}}
    for name, model, column, slugs in (
        ("types", ProviderTypeLink, "providertype_id", types),
        ("industries", ProviderIndustryLink, "industry_id", industries),
        ("modalities", ProviderModalityLink, "modality_id", modalities),
    ):
        rows = model.objects.filter(provider_id__in=provider_ids).values_list("provider_id", column)
        for provider_id, pk in rows:
            links[name].setdefault(provider_id, set()).add(slugs[pk])
    service_parts = _service_parts(provider_ids, lookup)
    services: dict[int, set[ServiceEntry]] = {}
    for pk, provider_id, capability_id, first, last, note in Service.objects.filter(
        provider_id__in=provider_ids
    ).values_list("pk", "provider_id", "capability_id", "first_phase_id", "last_phase_id", "note"):
        parts = service_parts.get(pk, {})
        entry = ServiceEntry(
            first,
            last,
            capabilities[capability_id],
            note,
            modalities=tuple(lookup.ordered("modalities", parts.get("modalities", ()))),
            dosage_forms=tuple(lookup.ordered("dosage_forms", parts.get("dosage_forms", ()))),
            sites=site_names_order(parts.get("sites", ())),
        )
        services.setdefault(provider_id, set()).add(entry)
    site_certifications: dict[int, list[str]] = {}
    for site_id, certification_id in SiteCertificationLink.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("site_id", "certification_id"):
        site_certifications.setdefault(site_id, []).append(certifications[certification_id])
    site_identities: dict[int, list[tuple[str, str, str]]] = {}
    for site_id, *identity in SiteIdentity.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("site_id", "scheme", "scheme_name", "value"):
        site_identities.setdefault(site_id, []).append(tuple(identity))
    sites: dict[int, set[SiteEntry]] = {}
    for site_id, provider_id, name, city, country in Site.objects.filter(
        provider_id__in=provider_ids
    ).values_list("id", "provider_id", "name", "city", "country"):
        certs = tuple(lookup.ordered("certifications", site_certifications.get(site_id, ())))
        identities = tuple(sorted(site_identities.get(site_id, ())))
        sites.setdefault(provider_id, set()).add(
            SiteEntry(str(country), city, name, certs, identities)
        )
    evidence: dict[int, set[EvidenceEntry]] = {}
    for row in Evidence.objects.filter(owner_id__in=provider_ids).values_list(
        "owner_id",
        "provider_id",
        "service__capability_id",
        "site__name",
        "site_certification__certification_id",
        "site_certification__site__name",
        "site_identity__scheme",
        "site_identity__scheme_name",
        "site_identity__value",
        "inspection__authority",
        "inspection__end_date",
        "inspection__fda_inspection_id",
        "inspection__site__name",
        "kind",
        "seen_on",
        "url",
        "title",
        "quote",
    ):
        owner, profile, capability_id, site_name, cert_id, cert_site = row[:6]
        scheme, scheme_name, value, authority, end_date, fda_id, inspected_site = row[6:13]
        item = row[13:]
        if profile:
            claim = PROFILE_CLAIM
        elif capability_id:
            claim = service_claim(capabilities[capability_id])
        elif site_name is not None:
            claim = site_claim(site_name)
        elif cert_id is not None:
            claim = certification_claim(certifications[cert_id], cert_site)
        elif scheme is not None:
            claim = identity_claim(scheme, scheme_name, value)
        else:
            claim = inspection_claim(authority, end_date, fda_id, inspected_site)
        evidence.setdefault(owner, set()).add(EvidenceEntry(claim, *item))
    records = {}
    for values in Provider.objects.filter(pk__in=provider_ids).values(
        "id",
        "slug",
        "name",
        "hq_country",
        "website",
        "summary",
        "status",
        "state",
        "state_on",
        "source",
        "is_synthetic",
    ):
        pk = values.pop("id")
        values["hq_country"] = str(values["hq_country"])
        records[pk] = ProviderRecord(
            types=frozenset(links["types"].get(pk, ())),
            industries=frozenset(links["industries"].get(pk, ())),
            modalities=frozenset(links["modalities"].get(pk, ())),
            services=frozenset(services.get(pk, ())),
            sites=frozenset(sites.get(pk, ())),
            evidence=frozenset(evidence.get(pk, ())),
            **values,
        )
    return records


def _service_parts(provider_ids: list[int], lookup: ReferenceLookup) -> dict[int, dict]:
    """Per service id: the slugs of its modalities and dosage forms, its sites' names."""
    parts: dict[int, dict[str, list[str]]] = {}
    modalities, forms = lookup.by_id("modalities"), lookup.by_id("dosage_forms")
    for name, rows in (
        (
            "modalities",
            (
                (service_id, modalities[pk])
                for service_id, pk in ServiceModalityLink.objects.filter(
                    service__provider_id__in=provider_ids
                ).values_list("service_id", "modality_id")
            ),
        ),
        (
            "dosage_forms",
            (
                (service_id, forms[pk])
                for service_id, pk in ServiceDosageFormLink.objects.filter(
                    service__provider_id__in=provider_ids
                ).values_list("service_id", "dosageform_id")
            ),
        ),
        (
            "sites",
            ServiceSiteLink.objects.filter(service__provider_id__in=provider_ids).values_list(
                "service_id", "site__name"
            ),
        ),
    ):
        for service_id, value in rows:
            parts.setdefault(service_id, {}).setdefault(name, []).append(value)
    return parts


def iter_records(
    provider_ids: Iterable[int], lookup: ReferenceLookup, chunk_size: int = 2000
) -> Iterator[ProviderRecord]:
    """Records in the order of ``provider_ids``, loaded a chunk at a time."""
    chunk: list[int] = []
    for pk in provider_ids:
        chunk.append(pk)
        if len(chunk) >= chunk_size:
            yield from _records_in_order(chunk, lookup)
            chunk = []
    if chunk:
        yield from _records_in_order(chunk, lookup)


def _records_in_order(ids: list[int], lookup: ReferenceLookup) -> Iterator[ProviderRecord]:
    records = load_records(ids, lookup)
    for pk in ids:
        if pk in records:
            yield records[pk]
