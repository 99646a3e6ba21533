"""A provider's whole history (its own record, services and sites) and restoring a point of it.

simple-history keeps one table per model: the provider's rows (with snapshots of
its types, industries and modalities), its services' rows and its sites' rows
(with snapshots of their certifications). ``timeline`` merges them into one list
of changes with before and after values; ``record_as_of`` rebuilds the
provider, complete, as it stood right after any of those changes, so it can be
restored with ``providers.importing.sync_provider``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from providers.interchange.format import (
    ProviderRecord,
    ServiceEntry,
    SiteEntry,
    site_names_order,
)
from providers.interchange.records import ReferenceLookup
from providers.models import Provider, Service, Site
from providers.regulatory import SiteIdentity

KINDS = {"provider": Provider, "service": Service, "site": Site}
LIMIT = 300
M2M_COLUMNS = {
    "types": "providertype_id",
    "industries": "industry_id",
    "modalities": "modality_id",
    "certifications": "certification_id",
    "dosage_forms": "dosageform_id",
    "sites": "site_id",
}
# What a history row may name that the catalogue no longer holds, as told to the curator.
GONE = {
    "types": "a provider type",
    "industries": "an industry",
    "modalities": "a modality",
    "capabilities": "the service of a capability",
    "certifications": "a certification",
    "dosage_forms": "a dosage form",
}
SKIP = {
    "id",
    "provider",
    "history_id",
    "history_date",
    "history_user",
    "history_type",
    "change_id",
}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    kind: str
    history_id: int
    when: datetime.datetime
    user: str
    action: str
    label: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    # Rows written by one request, import or command share a change identifier and form one
    # change; restoring it means restoring to the newest row of that change. Rows without
    # one (recorded before identifiers existed) stand alone.
    change_id: object = None
    first_of_change: bool = True
    is_current: bool = False
    restore_kind: str = ""
    restore_id: int = 0


def group_into_changes(entries: list[Entry]) -> list[Entry]:
    """Put the entries (newest first) of each change together, newest change first, and
    mark where each change restores to (its newest row)."""
    groups: dict[object, list[Entry]] = {}
    for entry in entries:
        key = entry.change_id if entry.change_id is not None else ("alone", entry.history_id)
        groups.setdefault(key, []).append(entry)
    ordered: list[Entry] = []
    for number, group in enumerate(groups.values()):
        newest = group[0]
        for position, entry in enumerate(group):
            entry.first_of_change = position == 0
            entry.is_current = number == 0
            entry.restore_kind, entry.restore_id = newest.kind, newest.history_id
            ordered.append(entry)
    return ordered


def _history_rows(kind: str, provider_id: int):
    model = KINDS[kind]
    rows = model.history.filter(
        **({"id": provider_id} if kind == "provider" else {"provider_id": provider_id})
    )
    rows = list(rows.select_related("history_user").order_by("history_date", "history_id"))
    attach_links(kind, rows)
    return rows


M2M_FIELDS = {
    "provider": ("types", "industries", "modalities"),
    "service": ("modalities", "dosage_forms", "sites"),
    "site": ("certifications",),
}


def attach_links(kind: str, rows: list) -> None:
    """Give each historical row ``links``: the link snapshot saved with it, as sets of ids."""
    history_model = KINDS[kind].history.model
    ids = [row.history_id for row in rows]
    for row in rows:
        row.links = {name: set() for name in M2M_FIELDS.get(kind, ())}
    by_id = {row.history_id: row for row in rows}
    for name in M2M_FIELDS.get(kind, ()):
        m2m_model = getattr(history_model, name).model
        for history_id, pk in m2m_model.objects.filter(history_id__in=ids).values_list(
            "history_id", M2M_COLUMNS[name]
        ):
            by_id[history_id].links[name].add(pk)


def _values(kind: str, row, names: dict) -> dict[str, str]:
    model = KINDS[kind]
    values = {}
    for model_field in model.history.model.tracked_fields:
        if model_field.name in SKIP:
            continue
        value = getattr(row, model_field.attname)
        if model_field.attname in names:
            value = names[model_field.attname].get(value, value)
        values[str(model_field.verbose_name)] = "" if value in (None, "") else str(value)
    for name in M2M_FIELDS.get(kind, ()):
        labels = sorted(names[name].get(pk, "?") for pk in row.links[name])
        values[name] = ", ".join(labels)
    return values


def _names(catalogue: ReferenceLookup, rows) -> dict:
    users = {row.history_user_id for row in rows} | {
        getattr(row, "checked_by_id", None) for row in rows
    }
    usernames = dict(
        get_user_model().objects.filter(pk__in=users - {None}).values_list("pk", "username")
    )
    phases = {position: phase.name for position, phase in catalogue.phases.items()}
    return {
        "capability_id": {row.pk: row.name for row in catalogue.capabilities.values()},
        "first_phase_id": phases,
        "last_phase_id": phases,
        "checked_by_id": usernames,
        "types": {row.pk: row.code for row in catalogue.types.values()},
        "industries": {row.pk: row.name for row in catalogue.industries.values()},
        "modalities": {row.pk: row.name for row in catalogue.modalities.values()},
        "certifications": {row.pk: row.name for row in catalogue.certifications.values()},
        "dosage_forms": {row.pk: row.name for row in catalogue.dosage_forms.values()},
    }


def timeline(provider: Provider, catalogue: ReferenceLookup | None = None) -> list[Entry]:
    """Every recorded change to the provider, its services and its sites, newest first."""
    catalogue = catalogue or ReferenceLookup.load()
    rows = {kind: list(_history_rows(kind, provider.pk)) for kind in KINDS}
    names = _names(catalogue, [row for kind_rows in rows.values() for row in kind_rows])
    # A service's sites by their names (the latest each site had; rows are oldest first).
    names["sites"] = {row.id: row.name for row in rows["site"]}
    entries = []
    for kind, kind_rows in rows.items():
        previous: dict[int, dict[str, str]] = {}
        for row in kind_rows:
            values = _values(kind, row, names)
            before = previous.get(row.id)
            if row.history_type == "+" or before is None:
                changes = [Change(name, "", value) for name, value in values.items() if value]
            elif row.history_type == "-":
                changes = [Change(name, value, "") for name, value in values.items() if value]
            else:
                changes = [
                    Change(name, before.get(name, ""), value)
                    for name, value in values.items()
                    if before.get(name, "") != value
                ]
            previous[row.id] = values
            if row.history_type == "~" and not changes:
                continue
            label = (
                row.name if kind != "service" else names["capability_id"].get(row.capability_id, "")
            )
            entries.append(
                Entry(
                    kind=kind,
                    history_id=row.history_id,
                    when=row.history_date,
                    user=row.history_user.get_username() if row.history_user else "",
                    action={"+": "created", "~": "changed", "-": "deleted"}[row.history_type],
                    label=f"{kind.capitalize()}: {label}",
                    reason=row.history_change_reason or "",
                    changes=changes,
                    change_id=row.change_id,
                )
            )
    entries.sort(key=lambda entry: (entry.when, entry.history_id), reverse=True)
    return group_into_changes(entries[:LIMIT])


def record_as_of(
    provider_id: int,
    when: datetime.datetime,
    catalogue: ReferenceLookup,
    *,
    missing: list[str] | None = None,
):
    """The provider, complete, as it stood at ``when``; None if it did not exist then.

    Returns (record, checked_by_id). Catalogue entries deleted since cannot come back:
    the record leaves them out, and each one left out is described in ``missing``.
    """
    missing = [] if missing is None else missing

    def known(name: str, ids, lookup: dict[int, str], context: str = "") -> list[str]:
        slugs = []
        for pk in sorted(ids):
            if pk in lookup:
                slugs.append(lookup[pk])
            else:
                missing.append(f"{GONE[name]} deleted from the catalogue since (id {pk}){context}")
        return slugs

    state = (
        Provider.history.filter(id=provider_id, history_date__lte=when)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if state is None or state.history_type == "-":
        return None, None
    attach_links("provider", [state])
    by_id = {name: catalogue.by_id(name) for name in ("types", "industries", "modalities")}
    capabilities = catalogue.by_id("capabilities")
    certifications = catalogue.by_id("certifications")

    site_rows = list(
        Site.history.filter(provider_id=provider_id, history_date__lte=when).latest_of_each()
    )
    attach_links("site", site_rows)
    # A service was at the sites of its snapshot that still stood at that point.
    site_names = {row.id: row.name for row in site_rows if row.history_type != "-"}
    forms = catalogue.by_id("dosage_forms")
    services = set()
    service_rows = [
        row
        for row in Service.history.filter(
            provider_id=provider_id, history_date__lte=when
        ).latest_of_each()
        if row.history_type != "-"
    ]
    attach_links("service", service_rows)
    for row in service_rows:
        span = ", ".join(
            str(getattr(catalogue.phases.get(position), "name", position))
            for position in (row.first_phase_id, row.last_phase_id)
        )
        for capability in known("capabilities", {row.capability_id}, capabilities, f" ({span})"):
            context = f" (of the service {catalogue.capabilities[capability].name})"
            held = known("modalities", row.links["modalities"], by_id["modalities"], context)
            made = known("dosage_forms", row.links["dosage_forms"], forms, context)
            services.add(
                ServiceEntry(
                    row.first_phase_id,
                    row.last_phase_id,
                    capability,
                    row.note,
                    modalities=tuple(catalogue.ordered("modalities", held)),
                    dosage_forms=tuple(catalogue.ordered("dosage_forms", made)),
                    sites=site_names_order(
                        site_names[pk] for pk in row.links["sites"] if pk in site_names
                    ),
                )
            )
    sites = set()
    identities: dict[int, list[tuple[str, str, str]]] = {}
    for row in SiteIdentity.history.filter(
        site_id__in=[row.id for row in site_rows], history_date__lte=when
    ).latest_of_each():
        if row.history_type != "-":
            identities.setdefault(row.site_id, []).append((row.scheme, row.scheme_name, row.value))
    for row in site_rows:
        if row.history_type != "-":
            held = known(
                "certifications", row.links["certifications"], certifications, f" at {row.name}"
            )
            certs = catalogue.ordered("certifications", set(held))
            sites.add(
                SiteEntry(
                    str(row.country),
                    row.city,
                    row.name,
                    tuple(certs),
                    tuple(sorted(identities.get(row.id, ()))),
                )
            )
    record = ProviderRecord(
        slug=state.slug,
        name=state.name,
        types=frozenset(known("types", state.links["types"], by_id["types"])),
        hq_country=str(state.hq_country),
        website=state.website,
        summary=state.summary,
        industries=frozenset(known("industries", state.links["industries"], by_id["industries"])),
        modalities=frozenset(known("modalities", state.links["modalities"], by_id["modalities"])),
        services=frozenset(services),
        sites=frozenset(sites),
        status=state.status,
        state=state.state,
        state_on=state.state_on,
        source=state.source,
        is_synthetic=state.is_synthetic,
    )
    return record, state.checked_by_id


def restore_point(kind: str, history_id: int, provider_id: int):
    """The history row a curator chose to restore to, if it belongs to this provider."""
    model = KINDS.get(kind)
    if model is None:
        return None
    owner = {"id": provider_id} if kind == "provider" else {"provider_id": provider_id}
    return model.history.filter(history_id=history_id, **owner).first()
