"""The buyer's shortlist: provider ids kept in the session, no account needed, and its
export for supplier-qualification records."""

import io

from django.http import HttpRequest
from django.utils import timezone

from providers.evidence import state_line
from providers.models import Provider
from providers.places import place_label
from providers.spreadsheets import csv_lines, safe_cell, write_xlsx

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
    rows = Provider.objects.published().filter(pk__in=wanted).with_parts()
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in wanted if pk in by_pk]


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
    "Record (compiled, checked or confirmed)",
    "Claims with evidence",
    "Source",
    "Directory page",
]


def rows(
    items: list[Provider],
    coverage: dict[int, str],
    base_url: str,
    track_names: dict[int, str] | None = None,
) -> list[list[str]]:
    """``track_names``: track id -> name for services whose track is named after them
    (every track but the pharmaceutical one)."""
    track_names = track_names or {}
    table = []
    today = timezone.localdate()
    for provider in items:
        services = "; ".join(
            f"{service.capability.name}: {service.phase_range_label}"
            + (
                f" ({track_names[service.capability.track_id]})"
                if service.capability.track_id in track_names
                else ""
            )
            for service in provider.services.all()
        )
        sites = "; ".join(
            place_label(site.name, site.city, site.country.name)
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
                    state_line(provider.state, provider.state_on, today),
                    f"{provider.backed_claim_count} of {provider.claim_count}",
                    provider.source,
                    base_url + provider.get_absolute_url(),
                )
            ]
        )
    return table


WIDTHS = (30, 12, 18, 30, 40, 60, 30, 20, 50, 30, 12, 40, 40)


def as_csv(table: list[list]) -> bytes:
    return "".join(csv_lines(COLUMNS, table)).encode("utf-8")


def as_xlsx(table: list[list]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, "Shortlist", COLUMNS, table, WIDTHS)
    return buffer.getvalue()
