"""Facet counts and the answer to a directory query, computed from the facet index: the
matching set, the count every filter option would give, the page of results in the chosen
order, and advice when nothing matches."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from providers.directory.bitsets import positions_from_bits
from providers.directory.index import ALL_OF, FACETS, DirectoryIndex, Option
from providers.directory.query import FACET_LABELS, DirectoryQuery
from providers.directory.search import TextMatch, match

PAGE_SIZE = 20


@dataclass
class OptionCount:
    option: Option
    count: int
    selected: bool


@dataclass
class Suggestion:
    text: str
    url: str


@dataclass
class Answer:
    total: int
    page: int
    pages: int
    ids: list[int]
    counts: dict[str, list[OptionCount]]
    text_found: bool = True
    suggestions: list[Suggestion] = field(default_factory=list)


def masks(index: DirectoryIndex, query: DirectoryQuery, text: TextMatch | None, verified=False):
    """One bitset per active constraint (facets, coverage range, text)."""
    active: dict[str, int] = {}
    for facet in FACETS:
        keys = query.facets.get(facet) or []
        if keys:
            active[facet] = index.facet_mask(facet, keys, verified)
    if query.cover_from:
        active["coverage"] = index.coverage_mask(query.cover_from, query.cover_to, verified)
    if text is not None:
        active["text"] = index.to_verified(text.any) if verified else text.any
    return active


def combine(index: DirectoryIndex, active: dict[str, int], skip: str | None = None) -> int:
    result = index.all
    for name, mask in active.items():
        if name != skip:
            result &= mask
    return result


def matching(
    index: DirectoryIndex, query: DirectoryQuery
) -> tuple[TextMatch | None, dict[str, int], int]:
    """The text match, the active constraints and the set of providers ``query`` matches
    (the page and the API both start here)."""
    text = match(index, query.text) if query.text else None
    active = masks(index, query, text)
    if query.text and text is None:
        active["text"] = 0  # only punctuation typed: nothing can match
    return text, active, combine(index, active)


def answer(index: DirectoryIndex, query: DirectoryQuery, page_size: int = PAGE_SIZE) -> Answer:
    text, active, result = matching(index, query)
    total = result.bit_count()

    counts: dict[str, list[OptionCount]] = {}
    for facet in FACETS:
        base = result if facet in ALL_OF else combine(index, active, skip=facet)
        chosen = set(query.facets.get(facet) or [])
        table = index.bits[facet]
        counts[facet] = [
            OptionCount(option, (base & table.get(option.key, 0)).bit_count(), option.key in chosen)
            for option in index.options[facet]
        ]

    pages = max(1, -(-total // page_size))
    page = min(query.page, pages)
    start = (page - 1) * page_size
    ids = page_ids(index, query, active, result, text, start, page_size)
    found = Answer(total, page, pages, ids, counts, text_found=text is not None)
    if total == 0 and query.has_filters:
        found.suggestions = suggestions(index, query, active, counts)
    return found


def page_ids(index, query, active, result, text, start: int, size: int) -> list[int]:
    if not result:
        return []
    if query.sort == "verified":
        verified = combine(index, masks(index, query, text, verified=True))
        return [index.ids_by_verified[p] for p in positions_from_bits(verified, start, size)]
    if query.sort == "relevance" and text is not None:
        positions: list[int] = []
        for tier in text.tiers:
            in_tier = result & tier
            count = in_tier.bit_count()
            if start >= count:
                start -= count
                continue
            positions += positions_from_bits(in_tier, start, size - len(positions))
            start = 0
            if len(positions) >= size:
                break
        return [index.ids[p] for p in positions]
    return [index.ids[p] for p in positions_from_bits(result, start, size)]


def query_string(query: DirectoryQuery, **changes) -> str:
    """The query string of ``query`` with some parameters replaced (None removes one)."""
    params: dict[str, list[str] | str] = {}
    if query.text:
        params["q"] = query.text
    for facet in FACETS:
        if query.facets.get(facet):
            params[facet] = list(query.facets[facet])
    if query.cover_slugs:
        params["cover_from"], params["cover_to"] = query.cover_slugs
    if query.sort_choice:
        params["sort"] = query.sort_choice
    for key, value in changes.items():
        if value is None or value == []:
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(params, doseq=True)


def suggestions(index, query, active, counts) -> list[Suggestion]:
    """When nothing matches: which choice to change, and what would match instead."""
    from django.urls import reverse

    base_url = reverse("providers:directory")
    advice: list[Suggestion] = []
    labels = {facet: {o.key: o.label for o in index.options[facet]} for facet in FACETS}
    for facet in FACETS:
        chosen = query.facets.get(facet) or []
        if not chosen or facet in ALL_OF:
            continue
        alternatives = [
            entry for entry in counts[facet] if entry.count and entry.option.key not in chosen
        ]
        if not alternatives:
            continue
        alternatives.sort(key=lambda entry: -entry.count)
        named = " or ".join(labels[facet][key] for key in chosen)
        others = ", ".join(f"{entry.option.label} ({entry.count})" for entry in alternatives[:3])
        keys = [entry.option.key for entry in alternatives[:3]]
        advice.append(
            Suggestion(
                f"With your other filters, no provider matches {FACET_LABELS[facet]} "
                f"{named}; {others} would: show them",
                f"{base_url}?{query_string(query, **{facet: keys, 'page': None})}",
            )
        )
    for name in active:
        without = combine(index, active, skip=name).bit_count()
        if not without:
            continue
        if name == "text":
            label, change = f"the search “{query.text}”", {"q": None}
        elif name == "coverage":
            label, change = "the coverage range", {"cover_from": None, "cover_to": None}
        else:
            chosen = ", ".join(labels[name].get(key, key) for key in query.facets[name])
            label, change = f"{FACET_LABELS[name]}: {chosen}", {name: None}
        advice.append(
            Suggestion(
                f"Remove {label} ({without} provider{'s' if without != 1 else ''})",
                f"{base_url}?{query_string(query, **change)}",
            )
        )
    return advice
