"""Result cards and shortlist buttons, built from the index's cached catalogue so a result
list costs one query and no template work per card.

A card is the same everywhere (directory, similar providers, shortlist), so it is built
in one place, here, with ``format_html`` (every value escaped by construction): on a
directory page the twenty cards were most of the rendering time when they went through
template includes.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from lifecycle.coverage import coverage_label, range_label
from providers import regions
from providers.directory.index import DirectoryCatalogue
from providers.directory.loading import CardRow
from providers.directory.markup import strip_html
from providers.directory.matching import Criteria, matched_services
from providers.evidence import state_summary
from providers.places import place_label
from providers.text import words

TOP_CAPABILITIES = 3


@dataclass(frozen=True)
class WhyContext:
    """What the buyer asked, for the "why it matched" lines of each card."""

    index: object
    criteria: Criteria | None = None
    countries: frozenset[str] | None = None  # the chosen countries and regions' countries
    words: tuple[str, ...] = ()


def why_context(index, query, criteria) -> WhyContext:
    chosen: set[str] = set(query.facets.get("country") or [])
    for region in query.facets.get("region") or []:
        chosen.update(code for code in index.bits["country"] if regions.region_of(code) == region)
    return WhyContext(
        index,
        criteria,
        frozenset(chosen) if chosen else None,
        tuple(words(query.text)) if query.text else (),
    )


def _modalities_text(service, catalogue) -> str:
    names = [catalogue.modalities[pk].name for pk in service[3] if pk in catalogue.modalities]
    return ", ".join(names) if names else "modality not stated"


def _places(sites, countries, catalogue) -> list[str]:
    return [
        place_label(name, city, country_name(code, catalogue))
        for name, city, code in sites
        if countries is None or code in countries
    ]


def why_html(row: CardRow, why: WhyContext, catalogue: DirectoryCatalogue):
    """The services that matched (with phase range and modalities), where (the sites in the
    chosen places, or "headquarters only"), and the words a search found: never folded."""
    lines = []
    matched: list = []
    if why.criteria is not None:
        matched = matched_services(why.index, why.criteria, row.services, row.countries)
        for service in matched:
            capability = catalogue.capabilities.get(service[0])
            if capability is None:
                continue
            where = ""
            if why.countries is not None:
                if service[4]:
                    where = "at " + "; ".join(_places(service[4], why.countries, catalogue))
                else:
                    where = "site not stated"
            lines.append(
                format_html(
                    "<li><strong>{}</strong>, {} ({}){}</li>",
                    capability.name,
                    range_label(service[1], service[2], catalogue.phase_by_position),
                    _modalities_text(service, catalogue),
                    format_html(" · {}", where) if where else "",
                )
            )
    if why.countries is not None and not (why.criteria is not None and matched):
        places = _places(row.sites, why.countries, catalogue)
        if places:
            lines.append(format_html("<li>Sites: {}</li>", "; ".join(places)))
        elif row.hq_country in why.countries:
            lines.append(
                format_html(
                    "<li>{}: headquarters only</li>", country_name(row.hq_country, catalogue)
                )
            )
    if why.words:
        text = " ".join(
            [row.name, row.summary]
            + [
                catalogue.capabilities[pk].name
                for pk in row.capability_ids
                if pk in catalogue.capabilities
            ]
            + [
                catalogue.modalities[pk].name
                for service in row.services
                for pk in service[3]
                if pk in catalogue.modalities
            ]
        )
        present = set(words(text))
        found = [
            word for word in why.words if any(candidate.startswith(word) for candidate in present)
        ]
        if found:
            lines.append(
                format_html(
                    "<li>Search matched: {}</li>",
                    format_html_join(", ", "<mark>{}</mark>", ((word,) for word in found)),
                )
            )
    if not lines:
        return "", frozenset()
    shown = frozenset(service[0] for service in matched)
    return (
        format_html(
            '<div class="why"><p class="why-title">Why it matched</p><ul>{}</ul></div>',
            format_html_join("", "{}", ((line,) for line in lines)),
        ),
        shown,
    )


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
    '<p class="meta">{} <span>HQ: {}</span> {} {}</p>{}{}{}</li>'
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
    why: WhyContext | None = None,
) -> SafeString:
    types = [catalogue.types[pk] for pk in row.type_ids if pk in catalogue.types]
    why_part, explained = why_html(row, why, catalogue) if why else ("", frozenset())
    capabilities = [
        catalogue.capabilities[pk]
        for pk in row.capability_ids
        if pk in catalogue.capabilities and pk not in explained
    ]
    if why and why.words:  # capabilities a search found are shown like chosen ones
        preferred = preferred | {
            capability.slug
            for capability in capabilities
            if any(name.startswith(word) for name in words(capability.name) for word in why.words)
        }
    if preferred:  # capabilities the buyer filtered on first, then catalogue order
        capabilities.sort(key=lambda capability: capability.slug not in preferred)
    # Capabilities the buyer chose are never folded into "+N more"; the others may be.
    always = [capability for capability in capabilities if capability.slug in preferred]
    rest = [capability for capability in capabilities if capability.slug not in preferred]
    listed = always + rest[: max(0, TOP_CAPABILITIES - len(always))]
    shown = ""
    if capabilities:
        more = len(capabilities) - len(listed)
        shown = format_html(
            '<p class="capabilities">{}{}{}</p>',
            "Also: " if explained else "",
            ", ".join(capability.name for capability in listed),
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
        why_part,
        shown,
    )


def card_list(
    rows: list[CardRow],
    catalogue: DirectoryCatalogue,
    request,
    preferred=frozenset(),
    why: WhyContext | None = None,
):
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
                    why=why,
                ),
            )
            for row in rows
        ),
    )
