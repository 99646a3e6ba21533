from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from lifecycle.coverage import coverage_label
from providers.accounts.controls import watch_form_html
from providers.directory import provider_markup, shortlist
from providers.directory.addresses import directory_path
from providers.directory.bitsets import positions_from_bits
from providers.directory.cards import (
    directory_cards,
    known_card_list,
    shortlist_button,
    why_context,
)
from providers.directory.compare import MAX_COMPARE
from providers.directory.facets import PAGE_SIZE, answer, filter_state, query_string
from providers.directory.folding import folded_options_html
from providers.directory.index import get_index
from providers.directory.kept_answers import CARDS_MARK, TOKEN_MARK, KeptAnswer, kept_answer, mark
from providers.directory.kept_pages import kept_page
from providers.directory.loading import provider_page
from providers.directory.markup import (
    grouped_options_html,
    kept,
    options_html,
)
from providers.directory.matching import MODES, criteria_for
from providers.directory.memo import FACET_OPTIONS, FILTER_FORMS, rendered_once
from providers.directory.query import CHECKED_WITHIN, SORTS, DirectoryForm
from providers.directory.tracks import phase_entries, phase_hint, range_phases, visible_tracks
from providers.models import Provider

GROUPED_FACETS = {
    "capability": grouped_options_html,
    "phase": grouped_options_html,
    "country": grouped_options_html,
}
SIMILAR_COUNT = 5


@require_safe
@vary_on_headers("HX-Request")
def directory(request):
    """The directory page, or its results part for an htmx request (not for a history
    restore, which needs the whole page). The answer for the address is kept per index
    (``kept_answers``); the request fills in its CSRF token and its shortlist."""
    index = get_index()
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    signed_in = request.user.is_authenticated
    answer = kept_answer(
        index,
        (request.get_full_path(), fragment, signed_in, timezone.localdate()),
        lambda: _directory_answer(request, index, fragment, signed_in),
        settings.DIRECTORY_ANSWER_MEMO_SIZE,
    )
    token, chosen = get_token(request), frozenset(shortlist.ids(request))
    if fragment:
        return HttpResponse(answer.filled(token, chosen))
    page = dict(answer.page)
    return kept_page(
        request,
        "directory/directory.html",
        {
            "page_title": page["page_title"],
            "result_status": page["result_status"],
            "query_text": page["query_text"],
            "directory_html": answer.filled(token, chosen),
        },
        token=token,  # once: the page's htmx headers share the answer's token
        fixed={"directory_url": page["directory_url"]},
    )


def _directory_answer(request, index, fragment: bool, signed_in: bool) -> KeptAnswer:
    query = DirectoryForm(request.GET, index=index).query()
    found = answer(index, query)
    if query.page > found.pages:
        query.notices.append(
            f"There is no page {query.page}; this is the last page ({found.pages})."
        )
    chosen_capabilities = frozenset(query.facets.get("capability") or [])
    pages = {
        "previous": query_string(query, page=found.page - 1) if found.page > 1 else None,
        "next": query_string(query, page=found.page + 1) if found.page < found.pages else None,
        "first": query_string(query, page=None) if found.page > 2 else None,
        "last": query_string(query, page=found.pages) if found.page < found.pages - 1 else None,
    }
    # An industry with its own track (agrochemical: crop protection) shows that track only.
    tracks = visible_tracks(index.catalogue, query.facets.get("industry") or [])
    found.counts["phase"] = phase_entries(found.counts["phase"], index.catalogue, tracks)
    why = why_context(index, query, criteria_for(index, query))
    service_level = bool(
        query.facets.get("capability") or query.facets.get("modality") or query.text_modalities
    )
    cards = directory_cards(
        index,
        found.ids,
        request.get_full_path(),
        chosen_capabilities,
        why,
        filter_state(query),
    )
    title = page_title(index, query, found.total)
    status = result_status(found.total)
    directory_url = directory_path()
    # Each facet's options are kept once per index and counts (facet_options_html); the
    # answer points at them.
    pieces = {
        f"facet-{facet}": facet_options_html(index, facet, entries)
        for facet, entries in found.counts.items()
    }
    pieces["show-results"] = f"Show {found.total} result{'s' if found.total != 1 else ''}".encode()
    form = {
        "active_filters": sum(len(keys) for keys in query.facets.values())
        + (1 if query.cover_from else 0)
        + (1 if query.evidence else 0)
        + (1 if query.checked_within else 0),
        "rough_counts": bool(found.rough_counts),
        "service_level": service_level,
        "phase_hint": phase_hint(index.catalogue, tracks),
        "coverage_html": coverage_html(
            index,
            service_level,
            range_phases(index.catalogue, tracks, keep=(query.cover_from, query.cover_to)),
            query.cover_from,
            query.cover_to,
        ),
        "open_facets": tuple(sorted(facet for facet, keys in query.facets.items() if keys)),
        "chosen_capabilities": len(query.facets.get("capability") or ()),
        "capability_mode": query.capability_mode,
        "evidence": bool(query.evidence),
        "checked_within": query.checked_within,
        "has_filters": query.has_filters,
    }
    context = {
        # What varies per request is left open (kept_answers): the CSRF token, the cards'
        # shortlist state; and the page is rendered for one kind and signed-in state.
        "request": request,
        "fragment": fragment,
        "signed_in": signed_in,
        "csrf_token": TOKEN_MARK,
        "query": query,
        "found": found,
        "cards": CARDS_MARK if cards is not None else "",
        "page_title": title,
        "result_status": status,
        "filters_html": filters_html(index, form, directory_url),
        "sorts": SORTS,
        "pages": pages,
        "first_shown": (found.page - 1) * PAGE_SIZE + 1,
        "last_shown": (found.page - 1) * PAGE_SIZE + len(found.ids),
        "current_query": query_string(query, page=None),
        "directory_url": directory_url,
    }
    markup = render_to_string("directory/directory.html#directory", context)
    if cards is not None:
        pieces["cards"] = cards
    page = {
        "page_title": title,
        "result_status": status,
        "query_text": query.text,
        "directory_url": directory_url,
    }
    return KeptAnswer.from_rendering(markup, pieces, page)


# Filter forms each index keeps (the most recent): a few KB each.
FILTERS_MEMO_SIZE = 256


def filters_html(index, form: dict, directory_url: str) -> SafeString:
    """The filter form for the choices in ``form`` (hashable values), with its facets'
    options and its "Show N results" left as marks (``facet-<name>``, ``show-results``):
    many answers share it, so it is rendered once per index and state."""

    def render():
        context = {
            **form,
            "open_facets": dict.fromkeys(form["open_facets"], True),
            "facet_html": _FacetMarks(),
            "show_results": mark("show-results"),
            "capability_modes": MODES,
            "checked_choices": CHECKED_WITHIN,
            "directory_url": directory_url,
        }
        return render_to_string("directory/directory.html#filters", context)

    key = (tuple(form.items()), directory_url)
    return rendered_once(index, FILTER_FORMS, key, render, FILTERS_MEMO_SIZE)


class _FacetMarks(dict):
    """The mark of each facet's options, by facet name (``facet_html.type`` in the form)."""

    def __missing__(self, facet: str) -> SafeString:
        return mark(f"facet-{facet}")


# Facet option lists each index keeps (the most recent): a few KB each, the longest
# (capabilities) about 30 KB.
FACET_MEMO_SIZE = 1024


def facet_options_html(index, facet: str, entries: list) -> bytes:
    """A facet's options, folded, as kept markup (``markup.kept``): the same for every
    request with the same counts and choices, which many filter states share, so each is
    rendered once per index, and the answers kept for those states share it."""
    key = (facet, tuple([(entry.option.key, entry.count, entry.selected) for entry in entries]))
    return rendered_once(
        index,
        FACET_OPTIONS,
        key,
        lambda: kept(folded_options_html(facet, entries, GROUPED_FACETS.get(facet, options_html))),
        FACET_MEMO_SIZE,
    )


def coverage_html(index, service_level: bool, phases: list, first, last) -> SafeString:
    """The coverage range's two selects: they depend on a few choices only, so each
    combination is rendered once per index."""
    key = ("coverage", service_level, tuple(phase.position for phase in phases), first, last)
    found = index.catalogue.html_cache.get(key)
    if found is None:
        found = index.catalogue.html_cache[key] = render_to_string(
            "directory/directory.html#coverage",
            {
                "service_level": service_level,
                "phases": phases,
                "cover_from": first,
                "cover_to": last,
            },
        )
    return found


def result_status(total: int) -> str:
    """What the live region says of an answer: '1 provider matches.', '12 providers match.'"""
    return f"{total} provider matches." if total == 1 else f"{total} providers match."


def page_title(index, query, total: int) -> str:
    """'CDMO · Monoclonal antibody · Europe: 11 providers', from the chosen filters."""
    labels = []
    for facet in ("type", "capability", "modality", "stage", "phase", "region", "country"):
        names = {option.key: option.label for option in index.options[facet]}
        labels += [names[key] for key in query.facets.get(facet) or [] if key in names]
    for facet in ("industry", "certification"):
        names = {option.key: option.label for option in index.options[facet]}
        labels += [names[key] for key in query.facets.get(facet) or [] if key in names]
    if query.text:
        labels.insert(0, f"“{query.text}”")
    if len(labels) > 6:
        labels = [*labels[:6], "…"]
    count = f"{total} provider{'s' if total != 1 else ''}"
    return f"{' · '.join(labels)}: {count}" if labels else f"Directory: {count}"


@require_safe
def detail(request, slug: str):
    index = get_index()
    catalogue = index.catalogue
    provider = provider_page(slug)
    if provider is None:
        raise Http404("No published provider has this address.")
    token = get_token(request)  # once: the page's forms and htmx headers share it
    similar, similar_slugs = known_card_list(index, _similar_ids(index, provider), request, token)
    button = shortlist_button(
        provider.slug,
        provider.name,
        provider.id in shortlist.ids(request),
        token,
        request.get_full_path(),
    )
    values = {
        "title": provider.name,
        "description": Truncator(provider.summary).chars(155),
        "head": provider_markup.head_html(provider, catalogue, button, timezone.localdate()),
        "watch": watch_form_html(request, provider, token),
        "body": provider_markup.body_html(
            provider, catalogue, similar, [provider.slug, *similar_slugs[:3]]
        ),
    }
    return kept_page(request, "directory/detail.html", values, token=token)


def _similar_ids(index, provider) -> list[int]:
    """Published providers of the same type(s) with overlapping coverage, most shared
    capabilities first (counted with bitsets: 'shares at least k' for each k)."""
    me = index.position_of.get(provider.id)
    if not provider.type_ids or not provider.phase_positions:
        return []
    types = [
        index.catalogue.types[pk].slug for pk in provider.type_ids if pk in index.catalogue.types
    ]
    phases = [
        index.catalogue.phase_by_position[p].slug
        for p in provider.phase_positions
        if p in index.catalogue.phase_by_position
    ]
    candidates = index.facet_mask("type", types) & index.facet_mask("phase", phases)
    if me is not None:
        candidates &= ~(1 << me)
    capability_bits = [
        index.bits["capability"].get(index.catalogue.capabilities[pk].slug, 0)
        for pk in provider.capability_ids
        if pk in index.catalogue.capabilities
    ]
    at_least = [candidates] + [0] * len(capability_bits)
    for bits in capability_bits:
        for shared in range(len(capability_bits), 0, -1):
            at_least[shared] |= at_least[shared - 1] & bits
    chosen: list[int] = []
    taken = 0
    for shared in range(len(capability_bits), -1, -1):
        fresh = at_least[shared] & ~taken
        if fresh:
            chosen += positions_from_bits(fresh, 0, SIMILAR_COUNT - len(chosen))
            taken |= fresh
        if len(chosen) >= SIMILAR_COUNT:
            break
    return [index.ids[p] for p in chosen]


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    # Only a path of this site or an absolute URL to it: a bare word would reach redirect()
    # as a view name.
    if target.startswith(("/", "http://", "https://")) and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


@require_POST
def shortlist_toggle(request, slug: str):
    provider = get_object_or_404(Provider.objects.published(), slug=slug)
    action = request.POST.get("action")
    if action == "remove":
        shortlist.remove(request, provider.pk)
    elif action == "add":
        if not shortlist.add(request, provider.pk):
            messages.error(
                request, f"The shortlist holds at most {shortlist.MAX_SHORTLIST} providers."
            )
    else:
        return HttpResponse("Unknown shortlist action.", status=400)
    if request.htmx:
        context = {
            "button": shortlist_button(
                provider.slug,
                provider.name,
                provider.pk in shortlist.ids(request),
                get_token(request),
                _back(request, provider.get_absolute_url()),
            ),
            "shortlist_count": len(shortlist.ids(request)),
            "oob": True,
        }
        return render(request, "partials/shortlist_toggled.html", context)
    target = _back(request, reverse("providers:shortlist"))
    if "#" not in target:  # back at the button, which a script focuses again
        target += f"#shortlist-{provider.slug}"
    return redirect(target)


@require_safe
def shortlist_page(request):
    token = get_token(request)  # once: the page's forms and htmx headers share it
    cards, slugs = known_card_list(get_index(), shortlist.ids(request), request, token)
    context = {
        "cards": cards,
        "count": len(slugs),
        "compare_query": "&".join(f"p={slug}" for slug in slugs[:MAX_COMPARE]),
        "max_compare": MAX_COMPARE,
        "csrf_token": token,
    }
    return render(request, "directory/shortlist.html", context)


@require_POST
def shortlist_clear(request):
    shortlist.clear(request)
    return redirect("providers:shortlist")


@require_safe
def shortlist_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Exports are CSV or XLSX.")
    index = get_index()
    items = shortlist.providers(request)
    coverage = {
        p.pk: coverage_label(p.phase_positions, index.catalogue.phase_by_position) for p in items
    }
    table = shortlist.rows(
        items,
        coverage,
        request.build_absolute_uri("/").rstrip("/"),
        track_names={track.pk: track.name for track in index.catalogue.tracks[1:]},
    )
    if fmt == "csv":
        body, content_type = shortlist.as_csv(table), "text/csv; charset=utf-8"
    else:
        body = shortlist.as_xlsx(table)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="provider-shortlist.{fmt}"'
    return response
