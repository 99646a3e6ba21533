"""Result cards and coverage labels, built from the index's cached catalogue so a result
list costs one query and no template work per card.

A card is the same everywhere (directory, similar providers, shortlist), so it is built
in one place, here, as escaped HTML: on a directory page the twenty cards were most of
the rendering time when they went through template includes.
"""

from dataclasses import dataclass
from html import escape  # the standard one: these loops escape thousands of strings a page

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from providers.facets import Catalogue
from providers.markup import strip_html

TOP_CAPABILITIES = 3
CARD_FIELDS = (
    "id",
    "name",
    "slug",
    "hq_country",
    "last_verified_on",
    "type_ids",
    "phase_positions",
    "capability_ids",
)


@dataclass(frozen=True)
class CardRow:
    id: int
    name: str
    slug: str
    hq_country: str
    last_verified_on: object
    type_ids: list
    phase_positions: list
    capability_ids: list


def coverage_label(positions: list[int], catalogue: Catalogue) -> str:
    """'Serves Pre-clinical (IND-enabling) to Clinical Phase III; Lifecycle management'."""
    if not positions:
        return "No services recorded"
    runs: list[list[int]] = []
    for position in sorted(positions):
        if runs and position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    names = catalogue.phase_by_position
    parts = []
    for run in runs:
        first, last = names[run[0]].name, names[run[-1]].name
        parts.append(first if len(run) == 1 else f"{first} to {last}")
    return "Serves " + "; ".join(parts)


def country_name(code: str, catalogue: Catalogue) -> str:
    """Country names are looked up through translations; keep each one once per index."""
    key = ("country", code)
    name = catalogue.html_cache.get(key)
    if name is None:
        from django_countries import countries

        name = catalogue.html_cache[key] = str(countries.name(code) or code)
    return name


def verified_label(value) -> str:
    return f"{value.day} {value:%b %Y}" if value else "never"


def shortlist_button(
    slug: str,
    name: str,
    shortlisted: bool,
    csrf_token: str,
    next_url: str,
    directory_url: str | None = None,
) -> SafeString:
    """The add/remove form; a plain POST without JavaScript, an htmx swap with it."""
    directory_url = directory_url or reverse("providers:directory")
    url = escape(f"{directory_url}{slug}/shortlist/")
    name = escape(name)
    if shortlisted:
        action = "remove"
        button = (
            '<button type="submit" class="secondary" aria-pressed="true">Shortlisted'
            f'<span class="visually-hidden">: remove {name}</span></button>'
        )
    else:
        action = "add"
        button = (
            '<button type="submit" class="secondary" aria-pressed="false">Add'
            f'<span class="visually-hidden"> {name}</span> to shortlist</button>'
        )
    return mark_safe(  # every piece is escaped
        f'<form class="shortlist-form" id="shortlist-{escape(slug)}" method="post" '
        f'action="{url}" data-hx-post="{url}" data-hx-target="this" data-hx-swap="outerHTML">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f'<input type="hidden" name="action" value="{action}">{button}</form>'
    )


def card_html(
    row: CardRow,
    catalogue: Catalogue,
    *,
    shortlisted: bool,
    csrf_token: str,
    next_url: str,
    directory_url: str,
    preferred: frozenset[str] = frozenset(),
) -> str:
    types = [catalogue.types[pk] for pk in row.type_ids if pk in catalogue.types]
    capabilities = [
        catalogue.capabilities[pk] for pk in row.capability_ids if pk in catalogue.capabilities
    ]
    if preferred:  # capabilities the buyer filtered on first, then catalogue order
        capabilities.sort(key=lambda capability: capability.slug not in preferred)
    shown = ", ".join(escape(capability.name) for capability in capabilities[:TOP_CAPABILITIES])
    more = len(capabilities) - TOP_CAPABILITIES
    if more > 0:
        shown += f' <span class="muted">+{more} more</span>'
    label = coverage_label(row.phase_positions, catalogue)
    tags = "".join(
        f'<abbr class="tag" title="{escape(kind.name)}">{escape(kind.code)}</abbr>'
        for kind in types
    )
    url = escape(f"{directory_url}{row.slug}/")
    button = shortlist_button(row.slug, row.name, shortlisted, csrf_token, next_url, directory_url)
    return (
        '<li class="result"><div class="result-head">'
        f'<h3><a href="{url}">{escape(row.name)}</a></h3>'
        f"{button}</div>"
        f'<p class="meta">{tags} <span>HQ: {escape(country_name(row.hq_country, catalogue))}'
        f'</span> <span class="muted">Verified {verified_label(row.last_verified_on)}</span></p>'
        f"{strip_html(tuple(row.phase_positions), label, catalogue)}"
        + (f'<p class="capabilities">{shown}</p>' if capabilities else "")
        + "</li>"
    )


CARD_SQL = (
    "SELECT " + ", ".join(CARD_FIELDS) + " FROM providers_provider"
    " WHERE status = 'published' AND id = ANY(%s)"
)


def card_rows(ids: list[int]) -> list[CardRow]:
    """Published providers ``ids`` as card rows, in that order, in one query.

    Plain SQL: on every directory request the ORM's query building cost more than the query.
    """
    if not ids:
        return []
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CARD_SQL, [list(ids)])
        found = {values[0]: CardRow(*values) for values in cursor.fetchall()}
    return [found[pk] for pk in ids if pk in found]


def card_list(rows: list[CardRow], catalogue: Catalogue, request, preferred=frozenset()):
    """The <li> cards for ``rows`` as one safe string."""
    from django.middleware.csrf import get_token

    from providers import shortlist

    chosen = set(shortlist.ids(request))
    token = get_token(request)
    next_url = request.get_full_path()
    directory_url = reverse("providers:directory")
    return mark_safe(  # card_html escapes every value
        "".join(
            card_html(
                row,
                catalogue,
                shortlisted=row.id in chosen,
                csrf_token=token,
                next_url=next_url,
                directory_url=directory_url,
                preferred=preferred,
            )
            for row in rows
        )
    )


PROVIDER_PAGE_SQL = """
SELECT p.id, p.name, p.slug, p.summary, p.website, p.hq_country, p.last_verified_on, p.source,
       p.type_ids, p.modality_ids, p.industry_ids, p.phase_positions, p.capability_ids,
       coalesce((
           SELECT json_agg(json_build_array(s.capability_id, s.first_phase_id, s.last_phase_id,
                                            s.note))
           FROM providers_service AS s WHERE s.provider_id = p.id), '[]'),
       coalesce((
           SELECT json_agg(json_build_array(
                      site.name, site.city, site.country,
                      ARRAY(SELECT sc.certification_id FROM providers_site_certifications AS sc
                            WHERE sc.site_id = site.id ORDER BY 1))
                  ORDER BY site.country, site.city, site.name)
           FROM providers_site AS site WHERE site.provider_id = p.id), '[]')
FROM providers_provider AS p
WHERE p.slug = %s AND p.status = 'published'
"""


@dataclass(frozen=True)
class ProviderPage:
    id: int
    name: str
    slug: str
    summary: str
    website: str
    hq_country: str
    last_verified_on: object
    source: str
    type_ids: list
    modality_ids: list
    industry_ids: list
    phase_positions: list
    capability_ids: list
    services: list  # [capability_id, first phase, last phase, note]
    sites: list  # [name, city, country, [certification ids]]


def provider_page(slug: str) -> ProviderPage | None:
    """Everything the provider page shows, in one query (None unless published)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PROVIDER_PAGE_SQL, [slug])
        row = cursor.fetchone()
    return ProviderPage(*row) if row else None
