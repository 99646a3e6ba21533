"""Result cards and shortlist buttons, built from the index's cached catalogue so a result
list costs one query and no template work per card.

A card is the same everywhere (directory, similar providers, shortlist), so it is built
in one place, here, with ``format_html`` (every value escaped by construction): on a
directory page the twenty cards were most of the rendering time when they went through
template includes.
"""

from bisect import bisect_left
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from lifecycle.coverage import range_label
from providers import regions
from providers.directory.addresses import directory_path
from providers.directory.escaping import format_html, format_html_join
from providers.directory.index import DirectoryCatalogue
from providers.directory.kept_answers import OpenPieces
from providers.directory.loading import CardRow, card_rows
from providers.directory.markup import (
    EMPTY,
    concat_html,
    concat_kept,
    join_html,
    kept,
    kept_coverage_strip,
)
from providers.directory.matching import Criteria, matched_services
from providers.directory.memo import QUERY_CARDS, rendered_once
from providers.evidence import state_summary
from providers.places import place_label
from providers.text import document_words, words

TOP_CAPABILITIES = 3


@dataclass(frozen=True)
class WhyContext:
    """What the buyer asked, for the "why it matched" lines of each card."""

    index: object
    criteria: Criteria | None = None
    countries: frozenset[str] | None = None  # the chosen countries and regions' countries
    words: tuple[str, ...] = ()

    @property
    def needs(self) -> dict[str, bool]:
        """What of the cards' services and sites the lines use: services for chosen
        services and searched words (their modalities), places for chosen countries and
        regions. Either makes the page's cards query cards (``full_rows``, which loads
        every such row with its services, and with its sites when places are needed)."""
        return {
            "services": self.criteria is not None or bool(self.words),
            "places": self.countries is not None,
        }


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


def searchable_words(row: CardRow, catalogue: DirectoryCatalogue) -> tuple[str, ...]:
    """The words of a card a search can have matched (name, summary, capabilities, the
    services' modalities), sorted, worked out once per row: rows kept per index
    (``full_rows``) come back for many searches."""
    found = row.__dict__.get("_searchable_words")
    if found is None:
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
        # A frozen dataclass: the words are kept beside its fields, not as one of them.
        # Every word of the card: ``words`` keeps only a query's first few.
        found = row.__dict__["_searchable_words"] = _sorted_words(text)
    return found


def _starts_any(sorted_words: tuple[str, ...], word: str) -> bool:
    """Whether a word of ``sorted_words`` starts with ``word`` (one binary search)."""
    at = bisect_left(sorted_words, word)
    return at < len(sorted_words) and sorted_words[at].startswith(word)


# Searched words whose naming options are kept per catalogue (``_naming``); past this
# many the memo starts again (buyers type new words all the time).
NAMING_MEMO = 2048


def _naming(catalogue: DirectoryCatalogue, word: str) -> tuple[frozenset, frozenset, frozenset]:
    """The types, capabilities and modalities (their pks) with a word starting with
    ``word`` among those search finds them by: once per catalogue and word, not once per
    card and option."""
    memo = catalogue.html_cache.get("naming")
    if memo is None or len(memo) >= NAMING_MEMO:
        memo = catalogue.html_cache["naming"] = {}
    found = memo.get(word)
    if found is None:
        found = memo[word] = tuple(
            frozenset(
                pk
                for pk, option in rows.items()
                if _starts_any(_option_terms(option, catalogue), word)
            )
            for rows in (catalogue.types, catalogue.capabilities, catalogue.modalities)
        )
    return found


def _named_by(row: CardRow, catalogue: DirectoryCatalogue, word: str) -> str:
    """When a searched word is not in the card's own text: the name of the card's type,
    capability, modality or country whose synonyms (or category) hold it, as search found
    it there ("aseptic" names Sterile fill-finish); "" when none does."""
    types, capabilities, modalities = _naming(catalogue, word)
    for pk in row.type_ids:
        if pk in types:
            return catalogue.types[pk].name
    for pk in row.capability_ids:
        if pk in capabilities:
            return catalogue.capabilities[pk].name
    for service in row.services:
        for pk in service[3]:
            if pk in modalities:
                return catalogue.modalities[pk].name
    for code in row.countries:
        name = country_name(code, catalogue)
        if _starts_any(_country_terms(code, name, catalogue), word):
            return name
    return ""


def _option_terms(option, catalogue: DirectoryCatalogue) -> tuple[str, ...]:
    """The words search finds an option by (its name, synonyms, code and category),
    sorted, once per catalogue."""

    def build():
        category = catalogue.categories.get(getattr(option, "category_id", None))
        return _sorted_words(
            " ".join(
                [
                    option.name,
                    getattr(option, "synonyms", "") or "",
                    getattr(option, "code", "") or "",
                    category.name if category else "",
                ]
            )
        )

    return _cached(catalogue, ("terms", type(option).__name__, option.pk), build)


def _name_words(capability, catalogue: DirectoryCatalogue) -> tuple[str, ...]:
    """The words of a capability's name as a query splits them, sorted, once per
    catalogue."""
    return _cached(catalogue, ("name-words", capability.pk), _sorted_words, capability.name, words)


def _country_terms(code: str, name: str, catalogue: DirectoryCatalogue) -> tuple[str, ...]:
    """The words of a country's name, sorted, once per catalogue."""
    return _cached(catalogue, ("country-terms", code), _sorted_words, name)


def _sorted_words(text: str, split=document_words) -> tuple[str, ...]:
    """The distinct words of ``text`` in order, for prefix tests by ``_starts_any``."""
    return tuple(sorted(set(split(text))))


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
        present = searchable_words(row, catalogue)
        found = []
        for word in why.words:
            if _starts_any(present, word):
                found.append(format_html("<mark>{}</mark>", word))
                continue
            named = _named_by(row, catalogue, word)
            if named.lower() == word:  # the name itself ("ireland"): nothing to add
                found.append(format_html("<mark>{}</mark>", word))
            elif named:
                found.append(format_html("<mark>{}</mark> ({})", word, named))
        if found:
            lines.append(
                format_html(
                    "<li>Search matched: {}</li>",
                    format_html_join(", ", "{}", ((part,) for part in found)),
                )
            )
    if not lines:
        return EMPTY, frozenset()
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


def _cached(catalogue: DirectoryCatalogue, key: tuple, build, *args):
    """Markup or words that depend only on ``key`` and the catalogue, built once per
    catalogue."""
    found = catalogue.html_cache.get(key)
    if found is None:
        found = catalogue.html_cache[key] = build(*args)
    return found


def _tags_html(type_ids: tuple, catalogue: DirectoryCatalogue) -> SafeString:
    return format_html_join(
        "",
        '<abbr class="tag" title="{}">{}</abbr>',
        (
            (catalogue.types[pk].name, catalogue.types[pk].code)
            for pk in type_ids
            if pk in catalogue.types
        ),
    )


# The shortlist form: a plain POST without JavaScript, an htmx swap with it. In three
# pieces around the two values that change per request (the CSRF token and the address to
# come back to), so that a card's own pieces are built once: the directory's address and
# the slug; the token; the address to come back to; the action and the button.
SHORTLIST_FORM_HEAD = (
    '<form class="shortlist-form" id="shortlist-{1}" method="post" action="{0}{1}/shortlist/" '
    'data-hx-post="{0}{1}/shortlist/" data-hx-target="this" data-hx-swap="outerHTML">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="'
)
SHORTLIST_FORM_TAIL = '"><input type="hidden" name="action" value="{}">{}</form>'
REMOVE_BUTTON = (
    '<button type="submit" class="secondary" aria-pressed="true">Shortlisted'
    '<span class="visually-hidden">: remove {}</span></button>'
)
ADD_BUTTON = (
    '<button type="submit" class="secondary" aria-pressed="false">Add'
    '<span class="visually-hidden"> {}</span> to shortlist</button>'
)
# Fixed markup (nothing interpolated), safe as written.
SHORTLIST_FORM_NEXT = mark_safe('"><input type="hidden" name="next" value="')
REMOVE, ADD, ALSO = mark_safe("remove"), mark_safe("add"), mark_safe("Also: ")
CARD_END = mark_safe("</li>")


def _shortlist_tails(name) -> tuple[SafeString, SafeString]:
    """The end of the shortlist form, for a provider not shortlisted and for one that is."""
    return (
        format_html(SHORTLIST_FORM_TAIL, ADD, format_html(ADD_BUTTON, name)),
        format_html(SHORTLIST_FORM_TAIL, REMOVE, format_html(REMOVE_BUTTON, name)),
    )


def shortlist_button(
    slug: str,
    name: str,
    shortlisted: bool,
    csrf_token: str,
    next_url: str,
    directory_url: str | None = None,
) -> SafeString:
    """The add/remove form; a plain POST without JavaScript, an htmx swap with it.

    Values may come already escaped (SafeStrings: a card list escapes the request's token,
    its address and each provider's slug and name once); anything else is escaped here."""
    return concat_html(
        (
            format_html(SHORTLIST_FORM_HEAD, directory_url or directory_path(), slug),
            conditional_escape(csrf_token),
            SHORTLIST_FORM_NEXT,
            conditional_escape(next_url),
            _shortlist_tails(name)[shortlisted],
        )
    )


CARD_HEAD = '<li class="result"><div class="result-head"><h3><a href="{}{}/">{}</a></h3>'
CARD_BODY = '</div><p class="meta">{} <span>HQ: {}</span> {} {}</p>'

# Parts of cards kept per index (``DirectoryIndex.provider_cache``) at most: about
# 0.8 KB each beside the strips they share (8 MB per worker at a million providers).
CARD_CACHE_SIZE = 10_000
# Card rows kept per index (``DirectoryIndex.row_cache``) at most: about 2.4 KB each with
# their services (12 MB per worker; 10,000 held 24 MB at a million providers).
ROW_CACHE_SIZE = 5_000


@dataclass(frozen=True, slots=True)
class CardParts:
    """The parts of one provider's card that do not depend on the query or the buyer,
    escaped and joined once: everything but the shortlist form's token, its address to
    come back to and its state, the "why it matched" lines and, when the buyer chose
    capabilities or searched, the order of the capabilities line."""

    stamp: tuple  # (day, directory address): the parts hold for that day and address only
    # Each part is kept markup (``markup.kept``: bytes, which the garbage collector does
    # not track), joined with the request's own parts by ``concat_kept``.
    head: bytes  # up to the shortlist form
    form_head: bytes  # the form up to its CSRF token
    form_tails: tuple[bytes, bytes]  # the form's end: not shortlisted, shortlisted
    body: bytes  # after the form: tags, headquarters, state, backing
    # The coverage strip (about 2 KB, most of a card): one object per distinct coverage,
    # shared by every card showing it (``markup.kept_coverage_strip``), not a copy each.
    strip: bytes
    capabilities: bytes  # the capabilities line as shown when nothing is chosen
    slug: str  # the provider's address (the provider page's compare link)


def card_parts(row: CardRow, catalogue: DirectoryCatalogue, directory_url: str, today) -> CardParts:
    """A card's fixed parts. Parts shared by many providers (type tags, country, state and
    age, evidence backing, coverage strip) are built once per index."""
    slug, name = conditional_escape(row.slug), conditional_escape(row.name)
    type_ids = tuple(row.type_ids)
    return CardParts(
        (today, directory_url),
        kept(format_html(CARD_HEAD, directory_url, slug, name)),
        kept(format_html(SHORTLIST_FORM_HEAD, directory_url, slug)),
        tuple(map(kept, _shortlist_tails(name))),
        kept(
            format_html(
                CARD_BODY,
                _cached(catalogue, ("tags", type_ids), _tags_html, type_ids, catalogue),
                _cached(
                    catalogue,
                    ("country-html", row.hq_country),
                    lambda: conditional_escape(country_name(row.hq_country, catalogue)),
                ),
                _cached(
                    catalogue,
                    ("state", row.state, row.state_on, today),
                    state_html,
                    row.state,
                    row.state_on,
                    today,
                ),
                _cached(
                    catalogue,
                    ("backing", row.backed_claim_count, row.claim_count),
                    backing_html,
                    row.backed_claim_count,
                    row.claim_count,
                ),
            )
        ),
        kept_coverage_strip(tuple(row.phase_positions), catalogue),
        kept(capabilities_html(row, catalogue)),
        row.slug,
    )


def capabilities_html(
    row: CardRow,
    catalogue: DirectoryCatalogue,
    preferred: frozenset[str] = frozenset(),
    explained: frozenset[int] = frozenset(),
    searched: tuple[str, ...] = (),
) -> SafeString:
    """The card's capabilities line: those the buyer chose or searched for first (never
    folded), then the others in catalogue order, up to ``TOP_CAPABILITIES`` in all, less
    the ``explained`` ones (the "why it matched" lines show them)."""
    capabilities = [
        catalogue.capabilities[pk]
        for pk in row.capability_ids
        if pk in catalogue.capabilities and pk not in explained
    ]
    if not capabilities:
        return EMPTY
    if searched:  # capabilities a search found are shown like chosen ones
        preferred = preferred | {
            capability.slug
            for capability in capabilities
            if any(_starts_any(_name_words(capability, catalogue), word) for word in searched)
        }
    if preferred:  # capabilities the buyer filtered on first, then catalogue order
        capabilities.sort(key=lambda capability: capability.slug not in preferred)
    # Capabilities the buyer chose are never folded into "+N more"; the others may be.
    always = [capability for capability in capabilities if capability.slug in preferred]
    rest = [capability for capability in capabilities if capability.slug not in preferred]
    listed = always + rest[: max(0, TOP_CAPABILITIES - len(always))]
    more = len(capabilities) - len(listed)
    return format_html(
        '<p class="capabilities">{}{}{}</p>',
        ALSO if explained else "",
        ", ".join(capability.name for capability in listed),
        format_html(' <span class="muted">+{} more</span>', more) if more > 0 else "",
    )


def _card_pieces(
    parts: CardParts,
    form_tail,
    csrf_token,
    next_url,
    why_part,
    capabilities,
) -> tuple:
    """A card's pieces in order: its fixed parts around the shortlist form's token, the
    address to come back to and the form's end, then the query's lines."""
    return (
        parts.head,
        parts.form_head,
        csrf_token,
        _FORM_NEXT,
        next_url,
        form_tail,
        parts.body,
        parts.strip,
        why_part,
        capabilities,
        _CARD_END,
    )


_FORM_NEXT, _CARD_END = kept(SHORTLIST_FORM_NEXT), kept(CARD_END)
# Where a kept card is left open for each request (``directory_cards``).
_OPEN_TOKEN, _OPEN_TAIL = object(), object()


def _request_values(request, csrf_token: str) -> tuple[set, SafeString, SafeString, SafeString]:
    """What every card of a list shares for this request, escaped once: the shortlist, the
    page's CSRF token (``get_token`` masks a new one on every call, so the view takes one
    for the whole page), the address to come back to, the directory's address."""
    from providers.directory import shortlist

    return (
        set(shortlist.ids(request)),
        conditional_escape(csrf_token),
        conditional_escape(request.get_full_path()),
        conditional_escape(directory_path()),
    )


def known_card_list(
    index, ids: list[int], request, csrf_token: str
) -> tuple[SafeString, list[str]]:
    """The <li> cards for published providers ``ids`` (in order) for this request, with
    the page's CSRF token, and their slugs: each card from its parts kept per index
    (``index.provider_cache``), and only the providers not kept yet loaded (the provider
    page's similar providers, which many pages share; the shortlist)."""
    if not ids:
        return join_html(()), []
    chosen, token, next_url, directory_url = _request_values(request, csrf_token)
    entries = _plain_cards(index, ids, directory_url, timezone.localdate())
    pieces = []
    for pk, parts, why_part, capabilities in entries:
        tail = parts.form_tails[pk in chosen]
        pieces += _card_pieces(parts, tail, token, next_url, why_part, capabilities)
    return concat_kept(pieces), [parts.slug for _pk, parts, _why, _caps in entries]


# Pages of cards with "why it matched" lines kept per index, by filter state and page:
# about 10 KB each.
QUERY_CARDS_MEMO_SIZE = 1024


def directory_cards(
    index,
    ids: list[int],
    next_url: str,
    preferred: frozenset[str],
    why: WhyContext,
    state: tuple | None = None,
) -> OpenPieces | None:
    """The directory's result cards for ``ids`` (published providers of ``index``, in
    order), with each card's fixed parts from ``index.provider_cache``; None when none of
    them is published any more.

    When no card shows anything that depends on the query (no "why it matched" lines, no
    chosen or searched capabilities to put first), cards come from their cached parts
    alone, and only the providers not cached yet are loaded: a page of known cards costs
    no query. Otherwise the page is loaded as before (with the services and sites its
    lines need) and its per-query parts are built, once per index for each filter state
    (``state``) and page while among the last ``QUERY_CARDS_MEMO_SIZE``. ``index.patched``
    drops the parts of the providers it changes, and a patched or new index starts with no
    page memo. The shortlist forms' token and state are left open for each request to fill
    (``kept_answers``); ``next_url``, the address the forms come back to, is the answer's."""
    if not ids:
        return None
    directory_url = conditional_escape(directory_path())
    today = timezone.localdate()
    needs = why.needs
    if not (preferred or why.words or needs["services"] or needs["places"]):
        entries = _plain_cards(index, ids, directory_url, today)
    elif state is None:
        entries = _query_cards(index, ids, preferred, why, directory_url, today)
    else:
        entries = rendered_once(
            index,
            QUERY_CARDS,
            (state, tuple(ids), today, directory_url),
            lambda: _query_cards(index, ids, preferred, why, directory_url, today),
            QUERY_CARDS_MEMO_SIZE,
        )
    if not entries:
        return None
    cards = OpenPieces()
    next_url = kept(conditional_escape(next_url))  # once for every card
    for pk, parts, why_part, capabilities in entries:
        why_part = why_part if type(why_part) is bytes else kept(why_part)
        capabilities = capabilities if type(capabilities) is bytes else kept(capabilities)
        for piece in _card_pieces(parts, _OPEN_TAIL, _OPEN_TOKEN, next_url, why_part, capabilities):
            if piece is _OPEN_TOKEN:
                cards.token()
            elif piece is _OPEN_TAIL:
                cards.tail(pk, parts.form_tails)
            else:
                cards.add(piece)
    return cards


def _known_parts(index, ids, rows: dict, directory_url, today) -> dict[int, CardParts]:
    """The cached parts of ``ids``, and of ``rows`` built (and cached) when missing."""
    cache = index.provider_cache
    stamp = (today, directory_url)
    known = {}
    for pk in ids:
        parts = cache.get(pk)
        if parts is not None and parts.stamp == stamp:
            known[pk] = parts
    for pk, row in rows.items():
        if pk not in known:
            known[pk] = parts = card_parts(row, index.catalogue, directory_url, today)
            if len(cache) >= CARD_CACHE_SIZE:
                cache.pop(next(iter(cache), None), None)  # the oldest entry
            cache[pk] = parts
    return known


def _plain_cards(index, ids, directory_url, today) -> list[tuple]:
    known = _known_parts(index, ids, {}, directory_url, today)
    if len(known) < len(ids):
        rows = {row.id: row for row in card_rows([pk for pk in ids if pk not in known])}
        known = _known_parts(index, ids, rows, directory_url, today)
    # A provider no longer published is left out (the index is about to learn it).
    return [(pk, known[pk], EMPTY, known[pk].capabilities) for pk in ids if pk in known]


def full_rows(index, ids: list[int], places: bool) -> dict[int, CardRow]:
    """Card rows of ``ids`` with their services, and with their sites when ``places``,
    kept per index (``DirectoryIndex.row_cache``, at most ``ROW_CACHE_SIZE``): a page of
    providers seen before costs no query, and only the others are loaded. Buyers' queries
    keep coming back to the same providers (the first pages of popular answers), so most
    pages need few rows or none. A row kept without sites is loaded again, with them, when
    a chosen place needs them. ``index.patched`` drops the rows of the providers it
    changes."""
    cache = index.row_cache
    found = {}
    for pk in ids:
        kept = cache.get(pk)
        if kept is not None and (kept[1] or not places):
            found[pk] = kept[0]
    missing = [pk for pk in ids if pk not in found]
    if missing:
        for row in card_rows(missing, services=True, places=places):
            cache.pop(row.id, None)
            if len(cache) >= ROW_CACHE_SIZE:
                cache.pop(next(iter(cache), None), None)  # the oldest entry
            cache[row.id] = (row, places)
            found[row.id] = row
    return found


def _query_cards(index, ids, preferred, why: WhyContext, directory_url, today) -> list[tuple]:
    catalogue = index.catalogue
    rows = full_rows(index, ids, why.needs["places"])
    known = _known_parts(index, ids, rows, directory_url, today)
    entries = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        parts = known[pk]
        why_part, explained = why_html(row, why, catalogue)
        if explained or preferred or why.words:
            capabilities = capabilities_html(row, catalogue, preferred, explained, why.words)
        else:
            capabilities = parts.capabilities
        # Kept in the page memo: markup as bytes (see markup.kept).
        entries.append(
            (
                pk,
                parts,
                kept(why_part),
                capabilities if type(capabilities) is bytes else kept(capabilities),
            )
        )
    return entries
