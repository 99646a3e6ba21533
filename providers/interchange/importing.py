"""Importing providers from a spreadsheet: plan first (preview), then write all or nothing.

``plan_import`` reads and checks a whole file without writing anything and says,
row by row, what would happen (create, update, unchanged) or what is wrong.
``apply_plan`` writes an error-free plan in one transaction: new providers in
bulk (with their history rows), changed ones through the ORM so every change is
recorded like an edit in the admin. Unchanged rows are not touched at all, so
importing the same file twice writes nothing, not even history.

``sync_provider`` makes one provider match a ProviderRecord; restoring an
earlier version from history uses it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from providers.changes import change, current_change_id
from providers.derived import analyze_provider_tables, deferred_refresh, refresh_derived
from providers.evidence import VerificationState
from providers.interchange.format import (
    COLUMNS,
    PROFILE_CLAIM,
    InterchangeError,
    ProviderRecord,
    certification_claim,
    identity_claim,
    inspection_claim,
    service_claim,
    site_claim,
)
from providers.interchange.parsing import CellError, RowParser, check_header, new_slug
from providers.interchange.reading import read_table
from providers.interchange.records import ReferenceLookup, load_records
from providers.models import (
    Evidence,
    Provider,
    ProviderIndustryLink,
    ProviderModalityLink,
    ProviderTypeLink,
    Service,
    ServiceDosageFormLink,
    ServiceModalityLink,
    ServiceSiteLink,
    Site,
    SiteCertificationLink,
    SiteIdentity,
)
from providers.regulatory import Inspection

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
CHUNK = 2000
KEEP = object()
ANALYZE_AFTER = 5000

Progress = Callable[[int], object] | None


@dataclass
class PlannedRow:
    row: int
    action: str
    record: ProviderRecord
    provider_id: int | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    filename: str
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors and bool(self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors})


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def plan_import(data: bytes, filename: str, progress: Progress = None) -> ImportPlan:
    """Read and check a whole file; say what importing it would do. Writes nothing."""
    plan = ImportPlan(filename=filename)
    try:
        table = read_table(data, filename)
    except InterchangeError as error:
        plan.file_errors.append(str(error))
        return plan
    positions, problems = check_header(table.header)
    if problems:
        plan.file_errors.extend(problems)
        return plan
    rows = [(number, cells) for number, cells in table.rows if any(c.strip() for c in cells)]
    if not rows:
        plan.file_errors.append("The file has a header row but no providers under it.")
        return plan

    lookup = ReferenceLookup.load()
    parser = RowParser(lookup, positions)
    parsed: list[tuple[int, ProviderRecord]] = []
    for number, cells in rows:
        record, errors = parser.parse(number, cells)
        plan.errors.extend(errors)
        if record is not None:
            parsed.append((number, record))
        if progress:
            progress(1)

    _plan_records(parsed, plan, lookup, keep=parser.absent)
    return plan


def plan_records(records: list[ProviderRecord], name: str) -> ImportPlan:
    """What writing these records would do, as for a file (used by ``load_demo``)."""
    plan = ImportPlan(filename=name)
    _plan_records(list(enumerate(records, start=1)), plan, ReferenceLookup.load())
    return plan


def _plan_records(
    parsed: list[tuple[int, ProviderRecord]], plan: ImportPlan, lookup, keep=()
) -> None:
    _check_duplicates(parsed, plan)
    _match(parsed, plan, lookup, keep)
    _check_identities(plan)
    _check_inspection_claims(plan)
    plan.errors.sort(
        key=lambda error: (
            error.row,
            COLUMNS.index(error.column) if error.column in COLUMNS else -1,
        )
    )


def _check_duplicates(parsed: list[tuple[int, ProviderRecord]], plan: ImportPlan) -> None:
    seen_slugs: dict[str, int] = {}
    seen_websites: dict[str, int] = {}
    for number, record in parsed:
        if record.slug:
            if record.slug in seen_slugs:
                plan.errors.append(
                    CellError(
                        number,
                        "slug",
                        f"The slug '{record.slug}' is also on row {seen_slugs[record.slug]}; "
                        "each provider may appear only once.",
                        record.slug,
                    )
                )
            seen_slugs.setdefault(record.slug, number)
        website = record.website.lower()
        if website:
            if website in seen_websites:
                plan.errors.append(
                    CellError(
                        number,
                        "website",
                        f"This website is also on row {seen_websites[website]}; "
                        "each provider may appear only once.",
                        record.website,
                    )
                )
            seen_websites.setdefault(website, number)


def _match(
    parsed: list[tuple[int, ProviderRecord]], plan: ImportPlan, lookup: ReferenceLookup, keep=()
):
    """Find the provider each row describes and decide create, update or unchanged.

    Columns in ``keep`` were not in the file: matched providers keep what they have there."""
    slugs = [record.slug for _, record in parsed if record.slug]
    websites = [record.website.lower() for _, record in parsed if record.website]
    by_slug: dict[str, int] = {}
    for chunk in _chunks(slugs):
        by_slug.update(
            {
                slug: pk
                for pk, slug in Provider.objects.filter(slug__in=chunk).values_list("pk", "slug")
            }
        )
    by_website: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(websites):
        rows = (
            Provider.objects.annotate(site_lower=Lower("website"))
            .filter(site_lower__in=chunk)
            .values_list("pk", "slug", "site_lower")
        )
        by_website.update({website: (pk, slug) for pk, slug, website in rows})

    file_slugs = set(slugs)
    error_rows = {error.row for error in plan.errors}
    matched: list[tuple[int, ProviderRecord, int | None]] = []
    for number, record in parsed:
        if number in error_rows:
            continue
        target = by_slug.get(record.slug) if record.slug else None
        owner = by_website.get(record.website.lower()) if record.website else None
        if not record.slug and owner:
            target = owner[0]
            record = _with_slug(record, owner[1])
        elif owner and owner[0] != target:
            plan.errors.append(
                CellError(
                    number,
                    "website",
                    f"This website already belongs to the provider '{owner[1]}'.",
                    record.website,
                )
            )
            continue
        if target is None and not record.slug:
            slug = new_slug(record.name, _SlugTaken(file_slugs))
            file_slugs.add(slug)
            record = _with_slug(record, slug)
        matched.append((number, record, target))

    current: dict[int, ProviderRecord] = {}
    for chunk in _chunks([target for _, _, target in matched if target is not None]):
        current.update(load_records(chunk, lookup))
    for number, record, target in matched:
        before = current.get(target) if target is not None else None
        if "state" in keep and before is not None and before.state != VerificationState.COMPILED:
            record = replace(record, state=before.state, state_on=before.state_on)
        if before is not None and "evidence" in keep:
            # Evidence follows its claims: items on a service or site the row leaves out
            # go with it.
            kept = frozenset(entry for entry in before.evidence if record.keeps_claim(entry.claim))
            record = replace(record, evidence=kept)
        if record.state != VerificationState.COMPILED and (
            before is None or (before.state, before.state_on) != (record.state, record.state_on)
        ):
            # Only a curator's "checked now" (or the provider) makes a record checked or
            # confirmed; a file may carry the state a record already has, never set one.
            plan.errors.append(
                CellError(
                    number,
                    "state",
                    f"A file cannot make a record {record.state}: a curator marks it checked "
                    "against its evidence in the admin. Leave the state as exported, or write "
                    "'compiled'.",
                    record.state,
                )
            )
            continue
        if target is None:
            plan.rows.append(PlannedRow(number, CREATE, record))
            continue
        changes = record.changed_columns(current[target])
        action = UPDATE if changes else UNCHANGED
        plan.rows.append(PlannedRow(number, action, record, target, changes))


def _check_inspection_claims(plan: ImportPlan) -> None:
    """Evidence may name an inspection the directory holds for a site of the row (the
    format does not carry inspections): refuse an item naming one it does not hold."""
    wanted = [
        (planned, entry)
        for planned in plan.rows
        for entry in planned.record.evidence
        if entry.claim.startswith("inspection:")
    ]
    if not wanted:
        return
    held = set()
    provider_ids = {planned.provider_id for planned, _ in wanted if planned.provider_id}
    for provider_id, *named in Inspection.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("site__provider_id", "authority", "end_date", "fda_inspection_id", "site__name"):
        held.add((provider_id, inspection_claim(*named).lower()))
    for planned, entry in wanted:
        if (planned.provider_id, entry.claim.lower()) not in held:
            plan.errors.append(
                CellError(
                    planned.row,
                    "evidence",
                    f"'{entry.claim[:80]}': the directory holds no such inspection of that "
                    "site. Inspections come from the FDA import or the site's page in the "
                    "admin, not from this file: record the inspection first, or leave this "
                    "item out.",
                    entry.claim,
                )
            )


def _check_identities(plan: ImportPlan) -> None:
    """A regulator identity is held by one site: not twice in the file, and not by a site
    of a provider the file does not list."""
    seen: dict[tuple, int] = {}
    wanted: dict[tuple, tuple[int, int | None]] = {}
    for planned in plan.rows:
        for site in planned.record.sites:
            for scheme, scheme_name, value in site.identities:
                key = (scheme, scheme_name.lower(), value.upper())
                label = f"{scheme_name or scheme} {value}"
                if key in seen and seen[key] != planned.row:
                    plan.errors.append(
                        CellError(
                            planned.row,
                            "sites",
                            f"The identity {label} is also on row {seen[key]}.",
                            label,
                        )
                    )
                seen.setdefault(key, planned.row)
                wanted[key] = (planned.row, planned.provider_id)
    if not wanted:
        return
    in_file = {planned.provider_id for planned in plan.rows if planned.provider_id}
    held = SiteIdentity.objects.filter(value__in={key[2] for key in wanted}).values_list(
        "scheme", "scheme_name", "value", "site__provider_id", "site__provider__name"
    )
    for scheme, scheme_name, value, provider_id, provider_name in held:
        found = wanted.get((scheme, scheme_name.lower(), value.upper()))
        if found and found[1] != provider_id and provider_id not in in_file:
            plan.errors.append(
                CellError(
                    found[0],
                    "sites",
                    f"The identity {scheme_name or scheme} {value} is recorded for a site of "
                    f"'{provider_name}'.",
                    value,
                )
            )


class _SlugTaken:
    def __init__(self, file_slugs: set[str]):
        self.file_slugs = file_slugs

    def __contains__(self, slug: str) -> bool:
        return slug in self.file_slugs or Provider.objects.filter(slug=slug).exists()


def _with_slug(record: ProviderRecord, slug: str) -> ProviderRecord:
    from dataclasses import replace

    return replace(record, slug=slug)


def apply_plan(plan: ImportPlan, *, user=None, reason: str = "", progress: Progress = None):
    """Write an error-free plan in one transaction; return the counts written."""
    if not plan.ok:
        raise ValueError("Only an error-free import plan can be applied.")
    lookup = ReferenceLookup.load()
    reason = reason or f"Imported from {plan.filename}"
    creates = [row.record for row in plan.rows if row.action == CREATE]
    updates = [row for row in plan.rows if row.action == UPDATE]
    with change(), transaction.atomic(), deferred_refresh():
        now = timezone.now()
        for chunk in _chunks(creates, 1000):
            create_providers(chunk, lookup, user=user, reason=reason, when=now)
            if progress:
                progress(len(chunk))
        if len(creates) + len(updates) > ANALYZE_AFTER:
            # Fresh statistics before the derived columns are refreshed at the end of the
            # block: with stale ones the planner scans whole tables once per provider.
            analyze_provider_tables()
        for chunk in _chunks(updates, 1000):
            providers = Provider.objects.in_bulk([row.provider_id for row in chunk])
            current = load_records(list(providers), lookup)
            items = [(providers[r.provider_id], r.record, current[r.provider_id]) for r in chunk]
            update_providers(items, lookup, user=user, reason=reason, when=now)
            if progress:
                progress(len(chunk))
    return plan.counts


def create_providers(
    records: list[ProviderRecord], lookup: ReferenceLookup, *, user, reason: str, when
) -> list[Provider]:
    """Create new providers with links, services and sites in bulk, with their history."""
    providers = [Provider(**record.provider_fields()) for record in records]
    Provider.objects.bulk_create(providers)
    type_links, industry_links, modality_links, services, sites, site_certs = [], [], [], [], [], []
    for provider, record in zip(providers, records, strict=True):
        type_links += [
            ProviderTypeLink(provider=provider, providertype=lookup.types[slug])
            for slug in record.types
        ]
        industry_links += [
            ProviderIndustryLink(provider=provider, industry=lookup.industries[slug])
            for slug in record.industries
        ]
        modality_links += [
            ProviderModalityLink(provider=provider, modality=lookup.modalities[slug])
            for slug in record.modalities
        ]
        for entry in record.services:
            service = Service(
                provider=provider,
                capability=lookup.capabilities[entry.capability],
                first_phase_id=entry.first,
                last_phase_id=entry.last,
                note=entry.note,
            )
            service._entry = entry
            services.append(service)
        for entry in record.sites:
            site = Site(provider=provider, name=entry.name, city=entry.city, country=entry.country)
            site._certifications = entry.certifications
            site._identities = entry.identities
            sites.append(site)
    for model, rows in (
        (ProviderTypeLink, type_links),
        (ProviderIndustryLink, industry_links),
        (ProviderModalityLink, modality_links),
        (Service, services),
        (Site, sites),
    ):
        model.objects.bulk_create(rows, batch_size=2000)
    site_certs = [
        SiteCertificationLink(site=site, certification=lookup.certifications[slug])
        for site in sites
        for slug in site._certifications
    ]
    SiteCertificationLink.objects.bulk_create(site_certs, batch_size=2000)
    identities = [
        SiteIdentity(site=site, scheme=scheme, scheme_name=name, value=value)
        for site in sites
        for scheme, name, value in site._identities
    ]
    SiteIdentity.objects.bulk_create(identities, batch_size=2000)
    site_ids = {(site.provider_id, site.name.lower()): site.pk for site in sites}
    service_links = _service_links(
        [(service, service._entry) for service in services], site_ids, lookup
    )
    for model, rows in zip(SERVICE_LINKS.values(), service_links.values(), strict=True):
        model.objects.bulk_create(rows, batch_size=2000)
    evidence = _evidence_rows(list(zip(providers, records, strict=True)), lookup, user)
    Evidence.objects.bulk_create(evidence, batch_size=2000)
    refresh_derived([provider.pk for provider in providers])

    history = {
        "default_user": user,
        "default_change_reason": reason,
        "default_date": when,
        "custom_historical_attrs": {"change_id": current_change_id()},
    }
    provider_history = Provider.history.bulk_history_create(providers, **history)
    service_history = Service.history.bulk_history_create(services, batch_size=2000, **history)
    Evidence.history.bulk_history_create(evidence, batch_size=2000, **history)
    site_history = Site.history.bulk_history_create(sites, batch_size=2000, **history)
    SiteIdentity.history.bulk_history_create(identities, batch_size=2000, **history)
    _bulk_m2m_history(
        Provider.history.model,
        {row.id: row for row in provider_history},
        {"types": type_links, "industries": industry_links, "modalities": modality_links},
        "provider_id",
    )
    _bulk_m2m_history(
        Site.history.model,
        {row.id: row for row in site_history},
        {"certifications": site_certs},
        "site_id",
    )
    _bulk_m2m_history(
        Service.history.model, {row.id: row for row in service_history}, service_links, "service_id"
    )
    return providers


# A service's links to the catalogue and its sites, by the name of its many-to-many field.
SERVICE_LINKS = {
    "modalities": ServiceModalityLink,
    "dosage_forms": ServiceDosageFormLink,
    "sites": ServiceSiteLink,
}


def _service_links(
    pairs: list[tuple[Service, object]], site_ids: dict[tuple[int, str], int], lookup
) -> dict[str, list]:
    """Unsaved link rows for saved services and the entries they were made from.

    ``site_ids`` maps (provider id, lower-cased site name) to the site's primary key."""
    links: dict[str, list] = {name: [] for name in SERVICE_LINKS}
    for service, entry in pairs:
        links["modalities"] += [
            ServiceModalityLink(service_id=service.pk, modality_id=lookup.modalities[slug].pk)
            for slug in entry.modalities
        ]
        links["dosage_forms"] += [
            ServiceDosageFormLink(service_id=service.pk, dosageform_id=lookup.dosage_forms[slug].pk)
            for slug in entry.dosage_forms
        ]
        links["sites"] += [
            ServiceSiteLink(
                service_id=service.pk, site_id=site_ids[service.provider_id, name.lower()]
            )
            for name in entry.sites
        ]
    return links


def _bulk_m2m_history(history_model, history_by_pk: dict, links: dict, owner: str) -> None:
    """The m2m snapshot rows simple-history keeps beside each historical record."""
    for name, rows in links.items():
        m2m_model = getattr(history_model, name).model
        columns = [f.attname for f in rows[0]._meta.fields] if rows else []
        m2m_model.objects.bulk_create(
            [
                m2m_model(
                    history=history_by_pk[getattr(link, owner)],
                    **{c: getattr(link, c) for c in columns},
                )
                for link in rows
            ],
            batch_size=2000,
        )


LINKS = (
    ("types", ProviderTypeLink, "providertype_id"),
    ("industries", ProviderIndustryLink, "industry_id"),
    ("modalities", ProviderModalityLink, "modality_id"),
)


def _history(model, instances: list, history_type: str, *, user, reason: str, when) -> list:
    """simple-history rows for ``instances``, written in bulk (``+``, ``~`` or ``-``)."""
    history_model = model.history.model
    rows = [
        history_model(
            history_date=when,
            history_user=user,
            history_change_reason=reason,
            history_type=history_type,
            change_id=current_change_id(),
            **{f.attname: getattr(instance, f.attname) for f in history_model.tracked_fields},
        )
        for instance in instances
    ]
    return history_model.objects.bulk_create(rows, batch_size=2000)


def _delete_rows(model, ids: list[int]) -> None:
    """Delete by primary key in one statement (history rows are written by the caller)."""
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = ANY(%s)", [ids])


def update_providers(
    items: list[tuple[Provider, ProviderRecord, ProviderRecord]],
    lookup: ReferenceLookup,
    *,
    user=None,
    reason: str = "",
    when=None,
    checked_by=KEEP,
) -> None:
    """Make existing providers match their records, set-based, recording every change in history.

    ``items`` holds (provider, wanted record, current record). Only what differs is written;
    history rows are what an edit in the admin would have left: one per changed provider
    (with its links), service and site (with its certifications).
    """
    when = when or timezone.now()
    items = [item for item in items if item[1] != item[2]]
    if not items:
        return
    history = {"user": user, "reason": reason, "when": when}

    # The provider's own columns, and its types, industries and modalities.
    touched, columns = [], set()
    for provider, record, current in items:
        fields = record.provider_fields()
        if checked_by is not KEEP:
            fields["checked_by_id"] = getattr(checked_by, "pk", None)
        elif record.state == VerificationState.COMPILED:
            fields["checked_by_id"] = None
        dirty = {
            name for name, value in fields.items() if str(getattr(provider, name)) != str(value)
        }
        links_changed = any(getattr(record, name) != getattr(current, name) for name, *_ in LINKS)
        if dirty:
            for name in dirty:
                setattr(provider, name, fields[name])
            columns |= dirty
        if dirty or links_changed:
            provider.updated_at = when
            touched.append(provider)
    if columns:
        Provider.objects.bulk_update(touched, [*columns, "updated_at"], batch_size=1000)
    for name, model, column in LINKS:
        changed = [(p, r) for p, r, c in items if getattr(r, name) != getattr(c, name)]
        if changed:
            model.objects.filter(provider_id__in=[p.pk for p, _ in changed]).delete()
            rows = getattr(lookup, name)
            model.objects.bulk_create(
                [
                    model(provider_id=p.pk, **{column: rows[s].pk})
                    for p, r in changed
                    for s in getattr(r, name)
                ]
            )
    if touched:
        provider_history = _history(Provider, touched, "~", **history)
        ids = [p.pk for p in touched]
        _bulk_m2m_history(
            Provider.history.model,
            {row.id: row for row in provider_history},
            {name: list(model.objects.filter(provider_id__in=ids)) for name, model, _ in LINKS},
            "provider_id",
        )

    # Sites first: a service's links name the sites as they are after the import.
    sites = [item for item in items if item[1].sites != item[2].sites]
    if sites:
        _update_sites(sites, lookup, history)
    services = [item for item in items if item[1].services != item[2].services]
    if services:
        _update_services(services, lookup, history)
    # Evidence follows its claims: rewritten where it or the services and sites changed
    # (a site's certifications written anew take their evidence with them).
    evidence = [
        item
        for item in items
        if (item[1].evidence, item[1].services, item[1].sites)
        != (item[2].evidence, item[2].services, item[2].sites)
    ]
    if evidence:
        _replace_evidence(evidence, lookup, history)
    refresh_derived([provider.pk for provider, _, _ in items])


def _update_services(items, lookup: ReferenceLookup, history: dict) -> None:
    provider_ids = [p.pk for p, _, _ in items]
    existing: dict[int, dict[int, Service]] = {}
    for service in Service.objects.filter(provider_id__in=provider_ids):
        existing.setdefault(service.provider_id, {})[service.capability_id] = service
    site_ids = {
        (provider_id, name.lower()): pk
        for pk, provider_id, name in Site.objects.filter(provider_id__in=provider_ids).values_list(
            "pk", "provider_id", "name"
        )
    }
    deleted, updated, relinked, created = [], [], [], []
    for provider, record, current in items:
        wanted = {lookup.capabilities[e.capability].pk: e for e in record.services}
        before = {e.capability: e for e in current.services}
        for capability_id, service in existing.get(provider.pk, {}).items():
            entry = wanted.pop(capability_id, None)
            if entry is None:
                deleted.append(service)
                continue
            if (service.first_phase_id, service.last_phase_id, service.note) != (
                entry.first,
                entry.last,
                entry.note,
            ):
                service.first_phase_id, service.last_phase_id = entry.first, entry.last
                service.note = entry.note
                updated.append(service)
            had = before.get(entry.capability)
            if had is None or _parts(had) != _parts(entry):
                relinked.append((service, entry))
        for capability_id, entry in wanted.items():
            service = Service(
                provider_id=provider.pk,
                capability_id=capability_id,
                first_phase_id=entry.first,
                last_phase_id=entry.last,
                note=entry.note,
            )
            created.append((service, entry))
    gone = [service.pk for service in deleted] + [service.pk for service, _ in relinked]
    for model in SERVICE_LINKS.values():
        model.objects.filter(service_id__in=gone).delete()
    _delete_rows(Service, [service.pk for service in deleted])
    Service.objects.bulk_update(updated, ["first_phase", "last_phase", "note"], batch_size=1000)
    Service.objects.bulk_create([service for service, _ in created], batch_size=2000)
    links = _service_links(relinked + created, site_ids, lookup)
    for model, rows in zip(SERVICE_LINKS.values(), links.values(), strict=True):
        model.objects.bulk_create(rows, batch_size=2000)
    _history(Service, deleted, "-", **history)
    changed = {service.pk: service for service in updated}
    changed.update((service.pk, service) for service, _ in relinked)
    for services, history_type in (
        (list(changed.values()), "~"),
        ([service for service, _ in created], "+"),
    ):
        rows = _history(Service, services, history_type, **history)
        ids = [service.pk for service in services]
        _bulk_m2m_history(
            Service.history.model,
            {row.id: row for row in rows},
            {
                name: list(model.objects.filter(service_id__in=ids))
                for name, model in SERVICE_LINKS.items()
            },
            "service_id",
        )


def _parts(entry) -> tuple:
    """What a service's links say: modalities, dosage forms, sites (by name, any case)."""
    return (entry.modalities, entry.dosage_forms, tuple(name.lower() for name in entry.sites))


def _update_sites(items, lookup: ReferenceLookup, history: dict) -> None:
    provider_ids = [p.pk for p, _, _ in items]
    existing: dict[int, dict[str, Site]] = {}
    for site in Site.objects.filter(provider_id__in=provider_ids):
        existing.setdefault(site.provider_id, {})[site.name.lower()] = site
    certs: dict[int, set[int]] = {}
    for site_id, certification_id in SiteCertificationLink.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("site_id", "certification_id"):
        certs.setdefault(site_id, set()).add(certification_id)
    held: dict[int, dict[tuple, SiteIdentity]] = {}
    for identity in SiteIdentity.objects.filter(site__provider_id__in=provider_ids):
        key = (identity.scheme, identity.scheme_name, identity.value)
        held.setdefault(identity.site_id, {})[key] = identity
    wanted_identities: dict[int, tuple[Site, frozenset]] = {}

    deleted, updated, changed, created, wanted_certs = [], [], [], [], {}
    for provider, record, _ in items:
        wanted = {entry.key: entry for entry in record.sites}
        for key, site in existing.get(provider.pk, {}).items():
            if key not in wanted:
                deleted.append(site)
        for key, entry in wanted.items():
            cert_ids = {lookup.certifications[slug].pk for slug in entry.certifications}
            site = existing.get(provider.pk, {}).get(key)
            if site is None:
                site = Site(
                    provider_id=provider.pk, name=entry.name, city=entry.city, country=entry.country
                )
                created.append(site)
                wanted_certs[id(site)] = (site, cert_ids)
                wanted_identities[id(site)] = (site, frozenset(entry.identities))
                continue
            wanted_identities[id(site)] = (site, frozenset(entry.identities))
            values = (entry.name, entry.city, entry.country)
            if (site.name, site.city, str(site.country)) != values:
                site.name, site.city, site.country = values
                updated.append(site)
                changed.append(site)
            elif certs.get(site.pk, set()) != cert_ids:
                changed.append(site)
            if certs.get(site.pk, set()) != cert_ids:
                wanted_certs[id(site)] = (site, cert_ids)

    gone = [site.pk for site in deleted]
    # A site's regulator records go with it (inspections do not travel in this format).
    gone_identities = [row for site in gone for row in held.get(site, {}).values()]
    gone_inspections = list(Inspection.objects.filter(site_id__in=gone))
    for site, wanted in wanted_identities.values():
        have = held.get(site.pk, {}) if site.pk else {}
        gone_identities += [row for key, row in have.items() if key not in wanted]
    _delete_rows(SiteIdentity, [row.pk for row in gone_identities])
    _delete_rows(Inspection, [row.pk for row in gone_inspections])
    SiteCertificationLink.objects.filter(site_id__in=gone).delete()
    # Services done there no longer are (their new links are written after the sites).
    ServiceSiteLink.objects.filter(site_id__in=gone).delete()
    _delete_rows(Site, gone)
    Site.objects.bulk_update(updated, ["name", "city", "country"], batch_size=1000)
    Site.objects.bulk_create(created, batch_size=2000)
    new_identities = [
        SiteIdentity(site_id=site.pk, scheme=scheme, scheme_name=name, value=value)
        for site, wanted in wanted_identities.values()
        for scheme, name, value in sorted(wanted)
        if (scheme, name, value) not in held.get(site.pk, {})
    ]
    SiteIdentity.objects.bulk_create(new_identities, batch_size=2000)
    _history(SiteIdentity, gone_identities, "-", **history)
    _history(SiteIdentity, new_identities, "+", **history)
    _history(Inspection, gone_inspections, "-", **history)
    reset = [site.pk for site, _ in wanted_certs.values() if site in changed]
    SiteCertificationLink.objects.filter(site_id__in=reset).delete()
    SiteCertificationLink.objects.bulk_create(
        [
            SiteCertificationLink(site_id=site.pk, certification_id=pk)
            for site, cert_ids in wanted_certs.values()
            for pk in cert_ids
        ],
        batch_size=2000,
    )
    _history(Site, deleted, "-", **history)
    for sites, history_type in ((changed, "~"), (created, "+")):
        rows = _history(Site, sites, history_type, **history)
        _bulk_m2m_history(
            Site.history.model,
            {row.id: row for row in rows},
            {
                "certifications": list(
                    SiteCertificationLink.objects.filter(site_id__in=[s.pk for s in sites])
                )
            },
            "site_id",
        )


def _evidence_rows(pairs: list[tuple[Provider, ProviderRecord]], lookup, user) -> list:
    """Unsaved Evidence rows for the records' evidence, pointed at the claims now stored."""
    provider_ids = [provider.pk for provider, _ in pairs if provider.pk and provider.pk > 0]
    if not any(record.evidence for _, record in pairs):
        return []
    claim_ids: dict[tuple[int, str], tuple[str, int]] = {}
    capability_slugs = lookup.by_id("capabilities")
    certification_slugs = lookup.by_id("certifications")
    for pk, provider_id, capability_id in Service.objects.filter(
        provider_id__in=provider_ids
    ).values_list("pk", "provider_id", "capability_id"):
        claim_ids[provider_id, service_claim(capability_slugs[capability_id])] = ("service", pk)
    for pk, provider_id, name in Site.objects.filter(provider_id__in=provider_ids).values_list(
        "pk", "provider_id", "name"
    ):
        claim_ids[provider_id, site_claim(name).lower()] = ("site", pk)
    for pk, provider_id, name, certification_id in SiteCertificationLink.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("pk", "site__provider_id", "site__name", "certification_id"):
        claim = certification_claim(certification_slugs[certification_id], name).lower()
        claim_ids[provider_id, claim] = ("site_certification", pk)
    for pk, provider_id, *identity in SiteIdentity.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("pk", "site__provider_id", "scheme", "scheme_name", "value"):
        claim_ids[provider_id, identity_claim(*identity).lower()] = ("site_identity", pk)
    for pk, provider_id, *named in Inspection.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list(
        "pk", "site__provider_id", "authority", "end_date", "fda_inspection_id", "site__name"
    ):
        claim_ids[provider_id, inspection_claim(*named).lower()] = ("inspection", pk)
    rows = []
    for provider, record in pairs:
        for entry in sorted(record.evidence):
            if entry.claim == PROFILE_CLAIM:
                target = ("provider", provider.pk)
            else:
                key = entry.claim if entry.claim.startswith("service:") else entry.claim.lower()
                target = claim_ids[provider.pk, key]
            rows.append(
                Evidence(
                    owner_id=provider.pk,
                    **{f"{target[0]}_id": target[1]},
                    kind=entry.kind,
                    seen_on=entry.seen_on,
                    url=entry.url,
                    title=entry.title,
                    quote=entry.quote,
                    recorded_by=user,
                    recorded_at=timezone.now(),
                )
            )
    return rows


def _replace_evidence(items, lookup: ReferenceLookup, history: dict) -> None:
    provider_ids = [provider.pk for provider, _, _ in items]
    gone = list(Evidence.objects.filter(owner_id__in=provider_ids))
    _history(Evidence, gone, "-", **history)
    _delete_rows(Evidence, [item.pk for item in gone])
    created = _evidence_rows([(provider, record) for provider, record, _ in items], lookup, None)
    for row in created:
        row.recorded_by = history["user"]
    Evidence.objects.bulk_create(created, batch_size=2000)
    _history(Evidence, created, "+", **history)


def sync_provider(
    provider: Provider,
    record: ProviderRecord,
    lookup: ReferenceLookup,
    current: ProviderRecord,
    *,
    user=None,
    reason: str = "",
    checked_by=KEEP,
) -> list[str]:
    """Make one provider match ``record`` (used to restore from history); return what changed."""
    changes = record.changed_columns(current)
    if changes:
        with change():
            update_providers(
                [(provider, record, current)],
                lookup,
                user=user,
                reason=reason,
                checked_by=checked_by,
            )
    return changes
