"""The spreadsheet interchange format for providers (CSV and XLSX), as in docs/import-format.md.

One row per provider. List cells separate items with ``;``; a service is
``capability: first-phase to last-phase | note`` and a site is
``name | city | country | certification, certification``. A backslash makes the
next character literal (``\\;``, ``\\|``, ``\\\\``), so any text round-trips.

Reading turns a file into rows of text cells (or one plain error); writing turns
``ProviderRecord`` objects into cells that are safe to open in a spreadsheet: a
cell starting with ``= + - @``, a tab, a carriage return or an apostrophe gets a
leading apostrophe, which reading removes again.

``ProviderRecord`` is the canonical, comparable form of a provider. Export,
import ("is this row unchanged?") and restore from history all go through it, so
they cannot disagree about what a provider is.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.text import slugify
from django_countries import countries

from lifecycle.models import Phase
from providers.models import (
    Capability,
    Certification,
    Industry,
    Modality,
    Provider,
    ProviderIndustryLink,
    ProviderModalityLink,
    ProviderType,
    ProviderTypeLink,
    Service,
    Site,
    SiteCertificationLink,
)
from providers.reading_limits import Limits, UnreadableFile, limited_rows
from providers.xlsx_reading import read_sheet

COLUMNS = (
    "slug",
    "name",
    "types",
    "hq_country",
    "website",
    "summary",
    "industries",
    "modalities",
    "services",
    "sites",
    "status",
    "last_verified_on",
    "source",
    "is_synthetic",
)
REQUIRED_COLUMNS = ("name", "types", "hq_country", "status")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
ESCAPED = ("\\", ";", "|")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "providers"
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class InterchangeError(Exception):
    """The file as a whole cannot be read; the message says why in plain words."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, order=True)
class ServiceEntry:
    first: int
    last: int
    capability: str
    note: str = ""


@dataclass(frozen=True, order=True)
class SiteEntry:
    country: str
    city: str
    name: str
    certifications: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class ProviderRecord:
    """Everything the interchange format carries about one provider."""

    slug: str
    name: str
    types: frozenset[str]
    hq_country: str
    website: str = ""
    summary: str = ""
    industries: frozenset[str] = frozenset()
    modalities: frozenset[str] = frozenset()
    services: frozenset[ServiceEntry] = frozenset()
    sites: frozenset[SiteEntry] = frozenset()
    status: str = Provider.Status.DRAFT
    last_verified_on: datetime.date | None = None
    source: str = ""
    is_synthetic: bool = False

    def provider_fields(self) -> dict:
        """Values of the Provider's own columns (not links, services or sites)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "hq_country": self.hq_country,
            "website": self.website,
            "summary": self.summary,
            "status": self.status,
            "last_verified_on": self.last_verified_on,
            "source": self.source,
            "is_synthetic": self.is_synthetic,
        }

    def changed_columns(self, other: ProviderRecord) -> list[str]:
        return [column for column in COLUMNS if getattr(self, column) != getattr(other, column)]


@dataclass
class Catalogue:
    """The reference data a file may name, loaded once per import or export."""

    types: dict[str, ProviderType] = field(default_factory=dict)
    industries: dict[str, Industry] = field(default_factory=dict)
    modalities: dict[str, Modality] = field(default_factory=dict)
    capabilities: dict[str, Capability] = field(default_factory=dict)
    certifications: dict[str, Certification] = field(default_factory=dict)
    phases: dict[int, Phase] = field(default_factory=dict)
    # Lower-cased names, codes and slugs -> slug, for friendly input.
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Catalogue:
        catalogue = cls(
            types={row.slug: row for row in ProviderType.objects.all()},
            industries={row.slug: row for row in Industry.objects.all()},
            modalities={row.slug: row for row in Modality.objects.all()},
            capabilities={row.slug: row for row in Capability.objects.all()},
            certifications={row.slug: row for row in Certification.objects.all()},
            phases={row.position: row for row in Phase.objects.all()},
        )
        for name in ("types", "industries", "modalities", "capabilities", "certifications"):
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


def load_records(provider_ids: list[int], catalogue: Catalogue) -> dict[int, ProviderRecord]:
    """Canonical records of the given providers, in a fixed number of queries."""
    types, industries, modalities = (
        catalogue.by_id("types"),
        catalogue.by_id("industries"),
        catalogue.by_id("modalities"),
    )
    capabilities, certifications = (
        catalogue.by_id("capabilities"),
        catalogue.by_id("certifications"),
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
    services: dict[int, set[ServiceEntry]] = {}
    for provider_id, capability_id, first, last, note in Service.objects.filter(
        provider_id__in=provider_ids
    ).values_list("provider_id", "capability_id", "first_phase_id", "last_phase_id", "note"):
        entry = ServiceEntry(first, last, capabilities[capability_id], note)
        services.setdefault(provider_id, set()).add(entry)
    site_certifications: dict[int, list[str]] = {}
    for site_id, certification_id in SiteCertificationLink.objects.filter(
        site__provider_id__in=provider_ids
    ).values_list("site_id", "certification_id"):
        site_certifications.setdefault(site_id, []).append(certifications[certification_id])
    sites: dict[int, set[SiteEntry]] = {}
    for site_id, provider_id, name, city, country in Site.objects.filter(
        provider_id__in=provider_ids
    ).values_list("id", "provider_id", "name", "city", "country"):
        certs = tuple(catalogue.ordered("certifications", site_certifications.get(site_id, ())))
        sites.setdefault(provider_id, set()).add(SiteEntry(str(country), city, name, certs))
    records = {}
    for values in Provider.objects.filter(pk__in=provider_ids).values(
        "id",
        "slug",
        "name",
        "hq_country",
        "website",
        "summary",
        "status",
        "last_verified_on",
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
            **values,
        )
    return records


def iter_records(
    provider_ids: Iterable[int], catalogue: Catalogue, chunk_size: int = 2000
) -> Iterator[ProviderRecord]:
    """Records in the order of ``provider_ids``, loaded a chunk at a time."""
    chunk: list[int] = []
    for pk in provider_ids:
        chunk.append(pk)
        if len(chunk) >= chunk_size:
            yield from _records_in_order(chunk, catalogue)
            chunk = []
    if chunk:
        yield from _records_in_order(chunk, catalogue)


def _records_in_order(ids: list[int], catalogue: Catalogue) -> Iterator[ProviderRecord]:
    records = load_records(ids, catalogue)
    for pk in ids:
        if pk in records:
            yield records[pk]


# --------------------------------------------------------------------------- cells


def escape_text(text: str) -> str:
    for char in ESCAPED:
        text = text.replace(char, "\\" + char)
    return text


def split_escaped(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not escaped; escapes stay in the parts."""
    parts, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            current.append(char)
            current.append(next(chars, ""))
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape_text(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).strip()


def items(cell: str) -> list[str]:
    return [part.strip() for part in split_escaped(cell, ";") if part.strip()]


def protect_formula(cell: str) -> str:
    """A leading apostrophe keeps spreadsheets from reading a cell as a formula."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def unprotect_formula(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def record_to_cells(record: ProviderRecord, catalogue: Catalogue) -> list[str]:
    phases = catalogue.phases

    def service_text(entry: ServiceEntry) -> str:
        text = f"{entry.capability}: {phases[entry.first].slug}"
        if entry.last != entry.first:
            text += f" to {phases[entry.last].slug}"
        if entry.note:
            text += f" | {escape_text(entry.note)}"
        return text

    def site_text(entry: SiteEntry) -> str:
        parts = [escape_text(entry.name), escape_text(entry.city), entry.country]
        if entry.certifications:
            parts.append(", ".join(entry.certifications))
        return " | ".join(parts)

    cells = {
        "slug": record.slug,
        "name": record.name,
        "types": "; ".join(catalogue.ordered("types", record.types)),
        "hq_country": record.hq_country,
        "website": record.website,
        "summary": record.summary,
        "industries": "; ".join(catalogue.ordered("industries", record.industries)),
        "modalities": "; ".join(catalogue.ordered("modalities", record.modalities)),
        "services": "; ".join(service_text(entry) for entry in sorted(record.services)),
        "sites": "; ".join(site_text(entry) for entry in sorted(record.sites)),
        "status": record.status,
        "last_verified_on": record.last_verified_on.isoformat() if record.last_verified_on else "",
        "source": record.source,
        "is_synthetic": "yes" if record.is_synthetic else "no",
    }
    return [protect_formula(cells[column]) for column in COLUMNS]


# --------------------------------------------------------------------------- writing


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(records: Iterable[ProviderRecord], catalogue: Catalogue) -> Iterator[str]:
    """CSV text line by line (UTF-8 with a BOM so Excel reads it as UTF-8; CRLF line ends)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for record in records:
        yield writer.writerow(record_to_cells(record, catalogue))


def write_csv(records: Iterable[ProviderRecord], catalogue: Catalogue, stream) -> None:
    for line in csv_lines(records, catalogue):
        stream.write(line)


def write_xlsx(records: Iterable[ProviderRecord], catalogue: Catalogue, stream) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(list(COLUMNS))
    for record in records:
        row = []
        for text in record_to_cells(record, catalogue):
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # always text, never a formula
            row.append(cell)
        sheet.append(row)
    workbook.save(stream)


# --------------------------------------------------------------------------- reading


@dataclass
class Table:
    """A file's rows as text cells; ``rows`` holds (spreadsheet row number, cells)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    kind: str


# Files people pick by mistake, recognised by their first bytes.
NOT_SPREADSHEETS = (
    (b"\x89PNG", "This file is a PNG image, not a spreadsheet."),
    (b"\xff\xd8\xff", "This file is a JPEG image, not a spreadsheet."),
    (b"GIF8", "This file is a GIF image, not a spreadsheet."),
    (b"%PDF", "This file is a PDF document, not a spreadsheet."),
    (b"\xd0\xcf\x11\xe0", "This file is in the old Excel (.xls) or Word format."),
    (b"\x1f\x8b", "This file is a compressed (gzip) archive, not a spreadsheet."),
)


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded CSV or XLSX file, or raise InterchangeError saying why not."""
    name = filename.lower()
    if not data.strip() or data.strip() in (b"\xef\xbb\xbf",):
        raise InterchangeError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        if name.endswith((".xlsx", ".xlsm")):
            return _read_xlsx(data)
        raise InterchangeError(
            "This file is a zip archive, not a CSV file; if it is a spreadsheet, "
            "save it as .xlsx or as CSV UTF-8."
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise InterchangeError("This file is named .xlsx but is not an Excel (XLSX) workbook.")
    for signature, what in NOT_SPREADSHEETS:
        if data.startswith(signature):
            raise InterchangeError(
                f"{what} Only CSV (.csv) and Excel (.xlsx) files can be imported; save the "
                "spreadsheet in one of those formats."
            )
    if not name.endswith(".csv"):
        raise InterchangeError(
            "Only CSV (.csv) and Excel (.xlsx) files can be imported; save the spreadsheet "
            "in one of those formats."
        )
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InterchangeError(
            "The file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)' and try again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InterchangeError(
            f"The file is not UTF-8 text: line {line} holds a character that is not UTF-8 "
            f"(byte 0x{data[error.start]:02x}). Save it as 'CSV UTF-8' and try again."
        ) from None
    if "\x00" in text:
        raise InterchangeError("The file holds binary data; it is not a CSV file.")
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(limited_rows(reader, Limits.from_settings()))
    except UnreadableFile as error:
        raise InterchangeError(str(error)) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise InterchangeError(
                f"Line {reader.line_num:,} holds a cell longer than "
                f"{Limits.from_settings().max_cell_chars:,} characters, the most a cell may "
                "hold (as in Excel itself). Shorten it and upload the file again."
            ) from None
        raise InterchangeError(f"The CSV file cannot be read: {error}.") from None
    if not records:
        raise InterchangeError("The file is empty.")
    return Table(header=records[0][1], rows=records[1:], kind="csv")


def _read_xlsx(data: bytes) -> Table:
    try:
        rows = read_sheet(data, Limits.from_settings(), SHEET_TITLE)
    except UnreadableFile as error:
        raise InterchangeError(str(error)) from None
    if not rows:
        raise InterchangeError("The file is empty.")
    # Columns left empty before the table (a sheet that starts in column B) are not part of it.
    offset = min(next(i for i, cell in enumerate(cells) if cell) for _, cells in rows)
    header = rows[0][1][offset:]
    width = len(header)
    table_rows = []
    for number, cells in rows[1:]:
        cells = cells[offset:]
        while len(cells) > width and not cells[-1]:
            cells.pop()
        table_rows.append((number, cells + [""] * (width - len(cells))))
    return Table(header=header, rows=table_rows, kind="xlsx")


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str
    value: str = ""


MAX_LENGTHS = {
    "slug": Provider._meta.get_field("slug").max_length,
    "name": Provider._meta.get_field("name").max_length,
    "website": Provider._meta.get_field("website").max_length,
    "summary": Provider._meta.get_field("summary").max_length,
    "source": Provider._meta.get_field("source").max_length,
}
NOTE_MAX = Service._meta.get_field("note").max_length
SITE_NAME_MAX = Site._meta.get_field("name").max_length
CITY_MAX = Site._meta.get_field("city").max_length
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COUNTRY_NAMES = {name.lower(): code for code, name in countries}
STATUSES = {value for value, _ in Provider.Status.choices}


def check_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map each column name to its position; return problems with the header as messages."""
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    problems, positions = [], {}
    for index, name in enumerate(names):
        if not name:
            problems.append(f"Column {index + 1} has no name in the header row.")
        elif name in positions:
            problems.append(f"The column '{name}' appears twice in the header row.")
        elif name not in COLUMNS:
            problems.append(
                f"Unknown column '{header[index].strip()}' (column {index + 1}); the format has "
                f"exactly these columns: {', '.join(COLUMNS)}."
            )
        else:
            positions[name] = index
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        problems.append(f"Missing column(s): {', '.join(missing)}.")
    return positions, problems


class RowParser:
    """Turns one row of cells into a ProviderRecord, collecting every problem it finds."""

    def __init__(self, catalogue: Catalogue, positions: dict[str, int]):
        self.catalogue = catalogue
        self.positions = positions
        self.width = max(positions.values()) + 1 if positions else 0

    def parse(self, number: int, cells: list[str]) -> tuple[ProviderRecord | None, list[CellError]]:
        errors: list[CellError] = []

        def fail(column: str, message: str, value: str = "") -> None:
            errors.append(CellError(number, column, message, value[:80]))

        if len(cells) > self.width and any(cell.strip() for cell in cells[self.width :]):
            fail("", f"The row has {len(cells)} cells but the header has {self.width} columns.")
            return None, errors
        if len(cells) < self.width:
            fail("", f"The row has {len(cells)} cells but the header has {self.width} columns.")
            return None, errors
        raw = {column: unprotect_formula(cells[i]).strip() for column, i in self.positions.items()}

        for column in REQUIRED_COLUMNS:
            if not raw[column]:
                fail(column, "This cell is required and is empty.")
        for column, limit in MAX_LENGTHS.items():
            if len(raw[column]) > limit:
                fail(
                    column,
                    f"Too long: {len(raw[column])} characters, at most {limit} allowed.",
                    raw[column][:60] + "…",
                )

        slug = raw["slug"]
        if slug and not SLUG_RE.match(slug):
            fail(
                "slug",
                "A slug is lower-case letters, digits and single hyphens, e.g. 'acme-pharma'.",
                slug,
            )
        if not slug and not raw["website"]:
            fail("slug", "Give a slug or a website so the row can be matched to a provider.")

        website = raw["website"]
        if website:
            from django.core.exceptions import ValidationError
            from django.core.validators import URLValidator

            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                fail("website", "Not a web address; write it in full, e.g. https://example.com.")

        hq_country = self._country(raw["hq_country"])
        if raw["hq_country"] and not hq_country:
            fail(
                "hq_country",
                "Unknown country; use the ISO two-letter code, e.g. CH.",
                raw["hq_country"],
            )

        status = raw["status"].lower()
        if status and status not in STATUSES:
            fail("status", f"Unknown status; use one of: {', '.join(sorted(STATUSES))}.", status)

        verified_on = None
        if raw["last_verified_on"]:
            try:
                verified_on = datetime.date.fromisoformat(raw["last_verified_on"][:10])
                if len(raw["last_verified_on"]) > 10 and "T" not in raw["last_verified_on"]:
                    raise ValueError
            except ValueError:
                fail(
                    "last_verified_on",
                    "Not a date; write it as YYYY-MM-DD, e.g. 2026-03-31.",
                    raw["last_verified_on"],
                )
            if verified_on and not raw["source"]:
                fail("source", "A verified record needs a source: a URL or a note.")

        synthetic = raw["is_synthetic"].lower()
        if synthetic not in YES | NO:
            fail("is_synthetic", "Write yes or no.", synthetic)

        types = self._slugs("types", raw["types"], fail)
        industries = self._slugs("industries", raw["industries"], fail)
        modalities = self._slugs("modalities", raw["modalities"], fail)
        services = self._services(raw["services"], fail)
        sites = self._sites(raw["sites"], fail)

        if errors:
            return None, errors
        return ProviderRecord(
            slug=slug,
            name=raw["name"],
            types=types,
            hq_country=hq_country,
            website=website,
            summary=raw["summary"],
            industries=industries,
            modalities=modalities,
            services=services,
            sites=sites,
            status=status,
            last_verified_on=verified_on,
            source=raw["source"],
            is_synthetic=synthetic in YES,
        ), errors

    def _country(self, value: str) -> str:
        if len(value) == 2 and value.upper() in countries:
            return value.upper()
        return COUNTRY_NAMES.get(value.lower(), "")

    def _slugs(self, name: str, cell: str, fail) -> frozenset[str]:
        aliases, found, unknown = self.catalogue.aliases[name], set(), []
        for item in items(cell):
            slug = aliases.get(unescape_text(item).lower())
            if slug:
                found.add(slug)
            else:
                unknown.append(item)
        if unknown:
            known = ", ".join(sorted(getattr(self.catalogue, name)))
            fail(name, f"Unknown {name}: {', '.join(unknown)}. Known: {known}.", cell)
        return frozenset(found)

    def _phase(self, text: str) -> int | None:
        position = self.catalogue.aliases["phases"].get(text.strip().lower())
        return int(position) if position else None

    def _services(self, cell: str, fail) -> frozenset[ServiceEntry]:
        entries: dict[str, ServiceEntry] = {}
        for item in items(cell):
            main, *rest = split_escaped(item, "|")
            note = unescape_text("|".join(rest)) if rest else ""
            capability_text, colon, phases_text = main.partition(":")
            slug = self.catalogue.aliases["capabilities"].get(capability_text.strip().lower())
            if not colon or not phases_text.strip():
                fail(
                    "services",
                    f"'{item}': write a service as 'capability: first-phase to last-phase'.",
                    item,
                )
                continue
            if not slug:
                fail("services", f"Unknown capability '{capability_text.strip()}'.", item)
                continue
            first_text, _, last_text = phases_text.partition(" to ")
            first, last = self._phase(first_text), self._phase(last_text or first_text)
            if first is None or last is None:
                bad = first_text if first is None else last_text
                known = ", ".join(phase.slug for phase in self.catalogue.phases.values())
                fail("services", f"Unknown phase '{bad.strip()}'. Known: {known}.", item)
                continue
            capability = self.catalogue.capabilities[slug]
            if first > last:
                fail("services", f"'{item}': the last phase comes before the first.", item)
            elif not capability.allows(first, last):
                phases = self.catalogue.phases
                fail(
                    "services",
                    f"'{item}': {capability.name} applies only from "
                    f"{phases[capability.first_phase_id].slug} to "
                    f"{phases[capability.last_phase_id].slug}.",
                    item,
                )
            elif slug in entries:
                fail("services", f"The capability '{slug}' is listed twice.", item)
            elif len(note) > NOTE_MAX:
                fail("services", f"The note of '{slug}' is longer than {NOTE_MAX} characters.")
            else:
                entries[slug] = ServiceEntry(first, last, slug, note)
        return frozenset(entries.values())

    def _sites(self, cell: str, fail) -> frozenset[SiteEntry]:
        entries: dict[str, SiteEntry] = {}
        for item in items(cell):
            parts = split_escaped(item, "|")
            if len(parts) not in (3, 4):
                fail(
                    "sites",
                    f"'{item}': write a site as 'name | city | country | certifications'.",
                    item,
                )
                continue
            name, city = unescape_text(parts[0]), unescape_text(parts[1])
            country = self._country(parts[2].strip())
            certifications, unknown = [], []
            for text in parts[3].split(",") if len(parts) == 4 else []:
                if not text.strip():
                    continue
                slug = self.catalogue.aliases["certifications"].get(unescape_text(text).lower())
                if slug:
                    certifications.append(slug)
                else:
                    unknown.append(text.strip())
            if not name:
                fail("sites", f"'{item}': the site has no name.", item)
            elif len(name) > SITE_NAME_MAX or len(city) > CITY_MAX:
                fail(
                    "sites",
                    f"'{name[:40]}': a site name is at most {SITE_NAME_MAX} characters and a "
                    f"city at most {CITY_MAX}.",
                    item,
                )
            elif not country:
                fail("sites", f"'{name}': unknown country '{parts[2].strip()}'.", item)
            elif unknown:
                known = ", ".join(sorted(self.catalogue.certifications))
                fail(
                    "sites",
                    f"'{name}': unknown certification(s) {', '.join(unknown)}. Known: {known}.",
                    item,
                )
            elif name.lower() in entries:
                fail("sites", f"The site '{name}' is listed twice.", item)
            else:
                certs = tuple(self.catalogue.ordered("certifications", set(certifications)))
                entries[name.lower()] = SiteEntry(country, city, name, certs)
        return frozenset(entries.values())


def new_slug(name: str, taken) -> str:
    """A slug for a new provider from its name, not in ``taken`` (a set or callable)."""
    base = slugify(name).replace("_", "-")
    base = re.sub(r"-+", "-", base).strip("-")[:180] or "provider"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug
