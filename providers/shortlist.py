"""The buyer's shortlist: provider ids kept in the session, no account needed, and its
export for supplier-qualification records."""

import csv
import datetime
import io

from django.http import HttpRequest

from providers.interchange import protect_formula
from providers.models import Provider

SESSION_KEY = "shortlist"
MAX_SHORTLIST = 50


def ids(request: HttpRequest) -> list[int]:
    if not request.session.session_key and SESSION_KEY not in request.session:
        return []
    stored = request.session.get(SESSION_KEY, [])
    return [int(pk) for pk in stored if isinstance(pk, int)][:MAX_SHORTLIST]


def add(request: HttpRequest, provider_id: int) -> bool:
    """Add a provider; False when the shortlist is already full."""
    current = ids(request)
    if provider_id in current:
        return True
    if len(current) >= MAX_SHORTLIST:
        return False
    request.session[SESSION_KEY] = [*current, provider_id]
    return True


def remove(request: HttpRequest, provider_id: int) -> None:
    request.session[SESSION_KEY] = [pk for pk in ids(request) if pk != provider_id]


def clear(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = []


def providers(request: HttpRequest) -> list[Provider]:
    """Published shortlisted providers, in the order they were added."""
    wanted = ids(request)
    if not wanted:
        return []
    rows = (
        Provider.objects.published()
        .filter(pk__in=wanted)
        .prefetch_related(
            "types", "modalities", "industries", "services__capability", "sites__certifications"
        )
    )
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in wanted if pk in by_pk]


def safe_cell(value):
    """Text a spreadsheet will never run as a formula (dates stay dates)."""
    if isinstance(value, datetime.date):
        return value
    return protect_formula("" if value is None else str(value))


COLUMNS = [
    "Name",
    "Types",
    "Headquarters",
    "Website",
    "Lifecycle coverage",
    "Services (capability: phases)",
    "Modalities",
    "Industries",
    "Sites (certifications)",
    "Last verified",
    "Source",
    "Directory page",
]


def rows(items: list[Provider], coverage: dict[int, str], base_url: str) -> list[list[str]]:
    table = []
    for provider in items:
        services = "; ".join(
            f"{service.capability.name}: {service.phase_range_label}"
            for service in provider.services.all()
        )
        sites = "; ".join(
            f"{site.name}, {site.city + ', ' if site.city else ''}{site.country.name}"
            + (
                f" ({', '.join(cert.name for cert in site.certifications.all())})"
                if site.certifications.all()
                else ""
            )
            for site in provider.sites.all()
        )
        table.append(
            [
                safe_cell(value)
                for value in (
                    provider.name,
                    ", ".join(t.code for t in provider.types.all()),
                    provider.hq_country.name,
                    provider.website,
                    coverage.get(provider.pk, ""),
                    services,
                    ", ".join(m.name for m in provider.modalities.all()),
                    ", ".join(i.name for i in provider.industries.all()),
                    sites,
                    provider.last_verified_on or "never",
                    provider.source,
                    base_url + provider.get_absolute_url(),
                )
            ]
        )
    return table


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(table)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def as_xlsx(table: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Shortlist"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    widths = (30, 12, 18, 30, 40, 60, 30, 20, 50, 12, 40, 40)
    for column, width in zip("ABCDEFGHIJKL", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
