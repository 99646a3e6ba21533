"""Records to CSV or XLSX cells, through the app's one spreadsheet writer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from providers.interchange.format import (
    COLUMNS,
    SHEET_TITLE,
    EvidenceEntry,
    ProviderRecord,
    ServiceEntry,
    SiteEntry,
    escape_list_item,
    escape_text,
    identity_text,
)
from providers.interchange.records import ReferenceLookup
from providers.spreadsheets import csv_lines as spreadsheet_csv_lines
from providers.spreadsheets import protect_formula
from providers.spreadsheets import write_xlsx as spreadsheet_write_xlsx


def record_to_cells(record: ProviderRecord, lookup: ReferenceLookup) -> list[str]:
    phases = lookup.phases

    def service_text(entry: ServiceEntry) -> str:
        text = f"{entry.capability}: {phases[entry.first].slug}"
        if entry.last != entry.first:
            text += f" to {phases[entry.last].slug}"
        parts = [
            escape_text(entry.note),
            ", ".join(entry.modalities),
            ", ".join(entry.dosage_forms),
            ", ".join(escape_list_item(name) for name in entry.sites),
        ]
        while parts and not parts[-1]:
            parts.pop()
        return " | ".join([text, *parts])

    def site_text(entry: SiteEntry) -> str:
        parts = [escape_text(entry.name), escape_text(entry.city), entry.country]
        if entry.certifications or entry.identities:
            parts.append(", ".join(entry.certifications))
        if entry.identities:
            parts.append(", ".join(identity_text(*identity) for identity in entry.identities))
        return " | ".join(parts)

    def evidence_text(entry: EvidenceEntry) -> str:
        parts = [escape_text(entry.claim), entry.kind, entry.seen_on.isoformat()]
        parts += [escape_text(entry.url), escape_text(entry.title)]
        if entry.quote:
            parts.append(escape_text(entry.quote))
        return " | ".join(parts)

    cells = {
        "slug": record.slug,
        "name": record.name,
        "types": "; ".join(lookup.ordered("types", record.types)),
        "hq_country": record.hq_country,
        "website": record.website,
        "summary": record.summary,
        "industries": "; ".join(lookup.ordered("industries", record.industries)),
        "modalities": "; ".join(lookup.ordered("modalities", record.modalities)),
        "services": "; ".join(service_text(entry) for entry in sorted(record.services)),
        "sites": "; ".join(site_text(entry) for entry in sorted(record.sites)),
        "status": record.status,
        "state": record.state,
        "state_on": record.state_on.isoformat() if record.state_on else "",
        "source": record.source,
        "evidence": "; ".join(evidence_text(entry) for entry in sorted(record.evidence)),
        "is_synthetic": "yes" if record.is_synthetic else "no",
    }
    return [protect_formula(cells[column]) for column in COLUMNS]


def csv_lines(records: Iterable[ProviderRecord], lookup: ReferenceLookup) -> Iterator[str]:
    """CSV text line by line (UTF-8 with a BOM so Excel reads it as UTF-8; CRLF line ends)."""
    return spreadsheet_csv_lines(COLUMNS, (record_to_cells(record, lookup) for record in records))


def write_csv(records: Iterable[ProviderRecord], lookup: ReferenceLookup, stream) -> None:
    for line in csv_lines(records, lookup):
        stream.write(line)


def write_xlsx(records: Iterable[ProviderRecord], lookup: ReferenceLookup, stream) -> None:
    rows = (record_to_cells(record, lookup) for record in records)
    spreadsheet_write_xlsx(stream, SHEET_TITLE, COLUMNS, rows)
