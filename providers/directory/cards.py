"""Result cards and shortlist buttons, built from the index's cached catalogue so a result
list costs one query and no template work per card.

A card is the same everywhere (directory, similar providers, shortlist), so it is built
in one place, here, as escaped HTML: on a directory page the twenty cards were most of
the rendering time when they went through template includes.
"""

from html import escape  # the standard one: these loops escape thousands of strings a page

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from lifecycle.coverage import coverage_label
from providers.directory.index import DirectoryCatalogue
from providers.directory.loading import CardRow
from providers.directory.markup import strip_html

TOP_CAPABILITIES = 3


def country_name(code: str, catalogue: DirectoryCatalogue) -> str:
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
        f'action="{url}" hx-post="{url}" hx-target="this" hx-swap="outerHTML">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f'<input type="hidden" name="action" value="{action}">{button}</form>'
    )


def card_html(
    row: CardRow,
    catalogue: DirectoryCatalogue,
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
    label = coverage_label(row.phase_positions, catalogue.phase_by_position)
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


def card_list(rows: list[CardRow], catalogue: DirectoryCatalogue, request, preferred=frozenset()):
    """The <li> cards for ``rows`` as one safe string."""
    from django.middleware.csrf import get_token

    from providers.directory import shortlist

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
