"""Facet counts and the answer to a directory query, computed from the facet index: the
matching set, the count every filter option would give, the page of results in the chosen
order, and advice when nothing matches."""

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.utils import timezone

from providers.directory import counting
from providers.directory.addresses import directory_path
from providers.directory.bitsets import positions_from_bits
from providers.directory.index import ALL_OF, FACETS, DirectoryIndex, Option
from providers.directory.matching import (
    COUNT_PASS_LIMIT,
    SERVICE_FACETS,
    criteria_for,
    matching_providers,
    only_provider_level,
    service_pass,
)
from providers.directory.memo import OPTION_COUNTS, bitset_memo_limit, rendered_once
from providers.directory.query import FACET_LABELS, DirectoryQuery
from providers.directory.search import TextMatch, match

PAGE_SIZE = 20
MODE_ADVICE = {
    "any": "Show providers with any of the chosen capabilities instead of all",
    "all": "Show only providers with all of the chosen capabilities (one partner)",
}


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
    # True when the service facets' counts are provider-level (too many providers to check)
    rough_counts: bool = False


def masks(index: DirectoryIndex, query: DirectoryQuery, text: TextMatch | None):
    """One bitset per active constraint (facets, coverage range, text)."""
    active: dict[str, int] = {}
    for facet in FACETS:
        keys = query.facets.get(facet) or []
        if keys:
            active[facet] = index.facet_mask(facet, keys, every=query.capability_mode != "any")
    named = getattr(query, "text_modalities", None)
    if named:
        # The search text names a modality: asked for as if chosen (any of the chosen).
        mask = index.facet_mask("modality", named, every=False)
        active["modality"] = active.get("modality", 0) | mask
    if query.cover_from:
        active["coverage"] = index.coverage_mask(query.cover_from, query.cover_to)
    if text is not None:
        active["text"] = text.any
    active.update(trust_masks(index, query))
    return active


# --- Trust filters: evidence on services and the age of a check (masks of their own) ---


def trust_masks(index: DirectoryIndex, query: DirectoryQuery) -> dict[str, int]:
    found: dict[str, int] = {}
    if query.evidence:
        found["evidence"] = index.evidence_mask(query.facets.get("capability") or [])
    if query.checked_within:
        found["checked"] = index.checked_within_mask(query.checked_within, timezone.localdate())
    return found


TRUST_LABELS = {
    "evidence": ("only services with evidence", {"evidence": None}),
    "checked": ("the age of check", {"checked": None}),
}


# --- end of trust filters ---


def combine(index: DirectoryIndex, active: dict[str, int], skip: str | None = None) -> int:
    result = index.all
    for name, mask in active.items():
        if name != skip:
            result &= mask
    return result


def resolve(index: DirectoryIndex, query: DirectoryQuery, text, counted: bool = True):
    """The matching providers and, when ``counted``, every option's count.

    With no capability or modality chosen, every facet is a provider-level bitset. With
    one chosen, the service facets (capability, modality, stage, phase, coverage, region,
    country) must hold for one service (``providers.directory.matching``); the bitsets
    narrow the providers to check, and the other facets stay bitsets.
    """
    active = masks(index, query, text)
    if query.text and text is None:
        active["text"] = 0  # only punctuation typed: nothing can match
    criteria = criteria_for(index, query)
    counts: dict[str, list[OptionCount]] = {}
    if criteria is None:
        result = combine(index, active)
        if counted:
            for facet in FACETS:
                every = facet in ALL_OF and query.capability_mode != "any"
                base = result if every else combine(index, active, skip=facet)
                counts[facet] = _counts(index, query, facet, base)
        return result, counts, active
    prefilter = {
        name: mask for name, mask in active.items() if name in SERVICE_FACETS or name == "coverage"
    }
    other = {name: mask for name, mask in active.items() if name not in prefilter}
    scope = combine(index, other)
    candidates = combine(index, active)

    def exact() -> int:
        if only_provider_level(criteria):
            return candidates
        return matching_providers(index, criteria, candidates)

    if not counted:
        return exact(), counts, active
    wider = scope
    for name in other:
        wider |= combine(index, other, skip=name)
    looked_at = wider & combine(index, prefilter)
    for facet in SERVICE_FACETS:
        looked_at |= scope & combine(index, prefilter, skip=facet)
    if looked_at.bit_count() > COUNT_PASS_LIMIT:
        # Too many to check service by service within a page's time: provider-level counts.
        matched = exact()
        for facet in FACETS:
            every = facet in ALL_OF and query.capability_mode != "any"
            base = matched if every else combine(index, active, skip=facet)
            counts[facet] = _counts(index, query, facet, base)
        counts["rough"] = True
        return matched, counts, active
    # The pass checks every provider it looks at, the candidates among them: its answer is
    # the matching set, so the candidates are not matched a second time.
    found = service_pass(index, criteria, prefilter, scope, wider)
    result = found.matched & scope
    for facet in FACETS:
        chosen = set(query.facets.get(facet) or [])
        if facet in SERVICE_FACETS:
            numbers = found.counts[facet]
            counts[facet] = [
                OptionCount(option, numbers.get(option.key, 0), option.key in chosen)
                for option in index.options[facet]
            ]
        else:
            base = found.matched & combine(index, other, skip=facet)
            counts[facet] = _counts(index, query, facet, base)
    return result, counts, active


def _counts(index, query, facet: str, base: int) -> list[OptionCount]:
    chosen = set(query.facets.get(facet) or [])
    numbers = counting.option_counts(index, facet, base)
    return [
        OptionCount(option, number, option.key in chosen)
        for option, number in zip(index.options[facet], numbers, strict=True)
    ]


# Filter states whose answer (matching set and counts) each index keeps: about 35 KB each
# at 100,000 providers, mostly the matching set and the active masks (about three bitsets;
# fewer states are kept where they would pass memo.BITSET_MEMO_BYTES).
COUNTS_MEMO_SIZE = 512
COUNTS_MEMO_BITSETS = 3


def filter_state(query: DirectoryQuery) -> tuple:
    """Everything of ``query`` that decides the matching set and the counts (not the
    page, not the order)."""
    return (
        tuple(tuple(query.facets.get(facet) or ()) for facet in FACETS),
        query.text,
        query.cover_from,
        query.cover_to,
        query.evidence,
        query.checked_within,
        query.capability_mode,
        tuple(getattr(query, "text_modalities", ()) or ()),
    )


def option_counts(index: DirectoryIndex, query: DirectoryQuery, text: TextMatch | None):
    """``resolve(index, query, text)``, once per index and filter state while among the
    last ``COUNTS_MEMO_SIZE`` states (or fewer, ``memo.bitset_memo_limit``): (matching
    set, counts per facet, active masks). The counts dict and its lists are the caller's
    own.

    The memo keeps the counts as tuples of numbers (in ``index.options`` order), which the
    garbage collector stops tracking: kept as option objects, the memo's hundred thousand
    of them made every full collection of a worker's heap take a third of a second."""
    result, numbers, active = rendered_once(
        index,
        OPTION_COUNTS,
        filter_state(query),
        lambda: _compact(resolve(index, query, text)),
        bitset_memo_limit(COUNTS_MEMO_SIZE, index.size, COUNTS_MEMO_BITSETS),
    )
    counts: dict = {}
    for facet, found in numbers.items():
        if facet == "rough":
            counts[facet] = found
            continue
        chosen = set(query.facets.get(facet) or ())
        counts[facet] = [
            OptionCount(option, count, option.key in chosen)
            for option, count in zip(index.options[facet], found, strict=True)
        ]
    return result, counts, active


def _compact(resolved: tuple) -> tuple:
    result, counts, active = resolved
    numbers = {
        facet: entries if facet == "rough" else tuple([entry.count for entry in entries])
        for facet, entries in counts.items()
    }
    return result, numbers, active


def answer(index: DirectoryIndex, query: DirectoryQuery, page_size: int = PAGE_SIZE) -> Answer:
    text = match(index, query.text) if query.text else None
    result, counts, active = option_counts(index, query, text)
    rough = bool(counts.pop("rough", False))
    total = result.bit_count()

    pages = max(1, -(-total // page_size))
    page = min(query.page, pages)
    start = (page - 1) * page_size
    ids = page_ids(index, query, active, result, text, start, page_size)
    found = Answer(total, page, pages, ids, counts, text_found=text is not None)
    found.rough_counts = rough
    if total == 0 and query.has_filters:
        found.suggestions = suggestions(index, query, active, counts, text)
    return found


def page_ids(index, query, active, result, text, start: int, size: int) -> list[int]:
    if not result:
        return []
    if query.sort == "verified":
        verified = index.to_verified(result)
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
    if query.evidence:
        params["evidence"] = "1"
    if query.checked_within:
        params["checked"] = str(query.checked_within)
    if query.capability_mode != "all":
        params["match"] = query.capability_mode
    if query.sort_choice:
        params["sort"] = query.sort_choice
    for key, value in changes.items():
        if value is None or value == []:
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(params, doseq=True)


def suggestions(index, query, active, counts, text=None) -> list[Suggestion]:
    """When nothing matches: which choice to change, and what would match instead."""
    base_url = directory_path()
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
    chosen_capabilities = query.facets.get("capability") or []
    if len(chosen_capabilities) > 1:
        other_mode = "any" if query.capability_mode != "any" else "all"
        changed = replace(query, capability_mode=other_mode)
        total = resolve(index, changed, text, counted=False)[0].bit_count()
        if total:
            advice.append(
                Suggestion(
                    f"{MODE_ADVICE[other_mode]} ({total} provider{'s' if total != 1 else ''})",
                    f"{base_url}?{query_string(changed, page=None)}",
                )
            )
    for name in active:
        if name == "text":
            changed = replace(query, text="")
            without = resolve(index, changed, None, counted=False)[0].bit_count()
        elif name == "coverage":
            changed = replace(query, cover_from=None, cover_to=None, cover_slugs=None)
            without = resolve(index, changed, text, counted=False)[0].bit_count()
        elif name == "evidence":
            changed = replace(query, evidence=False)
            without = resolve(index, changed, text, counted=False)[0].bit_count()
        elif name == "checked":
            changed = replace(query, checked_within=None)
            without = resolve(index, changed, text, counted=False)[0].bit_count()
        else:
            changed = replace(query, facets={**query.facets, name: []})
            without = resolve(index, changed, text, counted=False)[0].bit_count()
        if not without:
            continue
        if name == "text":
            label, change = f"the search “{query.text}”", {"q": None}
        elif name == "coverage":
            label, change = "the coverage range", {"cover_from": None, "cover_to": None}
        elif name in TRUST_LABELS:
            label, change = TRUST_LABELS[name]
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


def matching(
    index: DirectoryIndex, query: DirectoryQuery
) -> tuple[TextMatch | None, dict[str, int], int]:
    """The text match, the active constraints and the set of providers ``query`` matches,
    by the same rules as the page (service-level when a capability or modality is chosen):
    the API starts here."""
    text = match(index, query.text) if query.text else None
    result, _counts, active = resolve(index, query, text, counted=False)
    return text, active, result
