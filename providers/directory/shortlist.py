"""The buyer's shortlist, and its export for supplier-qualification records.

One code path for everyone: a visitor's shortlist is kept in the session (no account
needed), a signed-in buyer's in the database (``accounts.ShortlistEntry``, the same on
every device); signing in moves the visitor's shortlist into the account."""

import io

from django.http import HttpRequest
from django.utils import timezone

from providers.accounts.models import ShortlistEntry
from providers.evidence import state_line
from providers.models import Provider
from providers.places import place_label
from providers.spreadsheets import csv_lines, safe_cell, write_xlsx

SESSION_KEY = "shortlist"
MAX_SHORTLIST = 50
_CACHE_ATTRIBUTE = "_shortlist_ids"


def _user(request: HttpRequest):
    """The signed-in user, whose shortlist is kept in the database; None for a visitor,
    whose shortlist is kept in the session."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _session_ids(request: HttpRequest) -> list[int]:
    if not request.session.session_key and SESSION_KEY not in request.session:
        return []
    stored = request.session.get(SESSION_KEY, [])
    return [int(pk) for pk in stored if isinstance(pk, int)][:MAX_SHORTLIST]


def ids(request: HttpRequest) -> list[int]:
    """Shortlisted provider ids in the order they were added (read once per request)."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return list(cached)
    user = _user(request)
    if user is None:
        found = _session_ids(request)
    else:
        found = list(
            ShortlistEntry.objects.filter(user=user)
            .order_by("added_at", "id")
            .values_list("provider_id", flat=True)[:MAX_SHORTLIST]
        )
    setattr(request, _CACHE_ATTRIBUTE, found)
    return list(found)


def _forget(request: HttpRequest) -> None:
    if hasattr(request, _CACHE_ATTRIBUTE):
        delattr(request, _CACHE_ATTRIBUTE)


def add(request: HttpRequest, provider_id: int) -> bool:
    """Add a provider; False when the shortlist is already full."""
    current = ids(request)
    if provider_id in current:
        return True
    if len(current) >= MAX_SHORTLIST:
        return False
    user = _user(request)
    if user is None:
        request.session[SESSION_KEY] = [*current, provider_id]
    else:
        ShortlistEntry.objects.get_or_create(user=user, provider_id=provider_id)
    _forget(request)
    return True


def remove(request: HttpRequest, provider_id: int) -> None:
    user = _user(request)
    if user is None:
        request.session[SESSION_KEY] = [pk for pk in ids(request) if pk != provider_id]
    else:
        ShortlistEntry.objects.filter(user=user, provider_id=provider_id).delete()
    _forget(request)


def clear(request: HttpRequest) -> None:
    user = _user(request)
    if user is None:
        request.session[SESSION_KEY] = []
    else:
        ShortlistEntry.objects.filter(user=user).delete()
    _forget(request)


def merge_into_account(request: HttpRequest, user) -> int:
    """Move the visitor's session shortlist into ``user``'s (on sign-in), keeping the
    account's order first and the limit; return how many providers were added."""
    from providers.models import Provider

    visiting = _session_ids(request)
    if not visiting:
        return 0
    kept = list(ShortlistEntry.objects.filter(user=user).values_list("provider_id", flat=True))
    room = MAX_SHORTLIST - len(kept)
    wanted = [pk for pk in dict.fromkeys(visiting) if pk not in kept]
    existing = set(Provider.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    added = [pk for pk in wanted if pk in existing][: max(room, 0)]
    ShortlistEntry.objects.bulk_create(
        [ShortlistEntry(user=user, provider_id=pk) for pk in added], ignore_conflicts=True
    )
    request.session[SESSION_KEY] = []
    _forget(request)
    return len(added)


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
