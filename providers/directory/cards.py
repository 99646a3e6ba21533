"""Result cards and shortlist buttons, built from the index's cached catalogue so a result
list costs one query and no template work per card.

A card is the same everywhere (directory, similar providers, shortlist), so it is built
in one place, here, with ``format_html`` (every value escaped by construction): on a
directory page the twenty cards were most of the rendering time when they went through
template includes.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from lifecycle.coverage import coverage_label
from providers.directory.index import DirectoryCatalogue
from providers.directory.loading import CardRow
from providers.directory.markup import strip_html
from providers.evidence import state_summary

TOP_CAPABILITIES = 3


def country_name(code: str, catalogue: DirectoryCatalogue) -> str:
    """Country names are looked up through translations; keep each one once per index."""
    key = ("country", code)
    name = catalogue.html_cache.get(key)
    if name is None:
        from django_countries import countries

        name = catalogue.html_cache[key] = str(countries.name(code) or code)
    return name


def state_html(state: str, since, today) -> SafeString:
    """The record's state and age ("Checked 14 months ago"), with a visible warning when old."""
    text, warning = state_summary(state, since, today)
    if not warning:
        return format_html('<span class="state state-{}">{}</span>', state, text)
    return format_html(
        '<span class="state state-{}">{} <strong class="age-warning">({})</strong></span>',
        state,
        text,
        warning,
    )


def backing_html(backed: int, claims: int) -> SafeString:
    return format_html(
        '<span class="backing">{} of {} claim{} with evidence</span>',
        backed,
        claims,
        "s" if claims != 1 else "",
    )


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
    url = f"{directory_url}{slug}/shortlist/"
    if shortlisted:
        action = "remove"
        button = format_html(
            '<button type="submit" class="secondary" aria-pressed="true">Shortlisted'
            '<span class="visually-hidden">: remove {}</span></button>',
            name,
        )
    else:
        action = "add"
        button = format_html(
            '<button type="submit" class="secondary" aria-pressed="false">Add'
            '<span class="visually-hidden"> {}</span> to shortlist</button>',
            name,
        )
    return format_html(
        '<form class="shortlist-form" id="shortlist-{}" method="post" action="{}" '
        'data-hx-post="{}" data-hx-target="this" data-hx-swap="outerHTML">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<input type="hidden" name="action" value="{}">{}</form>',
        slug,
        url,
        url,
        csrf_token,
        next_url,
        action,
        button,
    )


CARD = (
    '<li class="result"><div class="result-head"><h3><a href="{}">{}</a></h3>{}</div>'
    '<p class="meta">{} <span>HQ: {}</span> {} {}</p>{}{}</li>'
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
    today=None,
) -> SafeString:
    types = [catalogue.types[pk] for pk in row.type_ids if pk in catalogue.types]
    capabilities = [
        catalogue.capabilities[pk] for pk in row.capability_ids if pk in catalogue.capabilities
    ]
    if preferred:  # capabilities the buyer filtered on first, then catalogue order
        capabilities.sort(key=lambda capability: capability.slug not in preferred)
    shown = ""
    if capabilities:
        more = len(capabilities) - TOP_CAPABILITIES
        shown = format_html(
            '<p class="capabilities">{}{}</p>',
            ", ".join(capability.name for capability in capabilities[:TOP_CAPABILITIES]),
            format_html(' <span class="muted">+{} more</span>', more) if more > 0 else "",
        )
    label = coverage_label(row.phase_positions, catalogue.phase_by_position)
    tags = format_html_join(
        "", '<abbr class="tag" title="{}">{}</abbr>', ((kind.name, kind.code) for kind in types)
    )
    return format_html(
        CARD,
        f"{directory_url}{row.slug}/",
        row.name,
        shortlist_button(row.slug, row.name, shortlisted, csrf_token, next_url, directory_url),
        tags,
        country_name(row.hq_country, catalogue),
        state_html(row.state, row.state_on, today or timezone.localdate()),
        backing_html(row.backed_claim_count, row.claim_count),
        strip_html(tuple(row.phase_positions), label, catalogue),
        shown,
    )


def card_list(rows: list[CardRow], catalogue: DirectoryCatalogue, request, preferred=frozenset()):
    """The <li> cards for ``rows`` as one safe string."""
    from django.middleware.csrf import get_token

    from providers.directory import shortlist

    chosen = set(shortlist.ids(request))
    token = get_token(request)
    next_url = request.get_full_path()
    directory_url = reverse("providers:directory")
    today = timezone.localdate()
    return format_html_join(
        "",
        "{}",
        (
            (
                card_html(
                    row,
                    catalogue,
                    shortlisted=row.id in chosen,
                    csrf_token=token,
                    next_url=next_url,
                    directory_url=directory_url,
                    preferred=preferred,
                    today=today,
                ),
            )
            for row in rows
        ),
    )
