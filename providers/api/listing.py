"""The provider list: the directory's own query parsing (``DirectoryForm``), facet index
and answer (``facets``), paged by cursor instead of page number.

A cursor names the last provider of the page it ended (its id), the query it belongs to
and the index token it was made at, signed so that it cannot be forged. The next page
starts right after that provider in the answer's order: name (then id), recently
verified, or best match, as on the page. While the directory is unchanged the pages are
exact. After a change (a new token) the cursor still works as long as that provider is
still in the answer: paging goes on after it in the new order (a provider changed in
between may then be missed or seen twice; ``/changes`` says which changed). When it is no
longer in the answer the cursor has expired: 410, start again.
"""

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.http import QueryDict
from django.urls import reverse

from providers.api.problems import ApiProblem
from providers.api.schemas import ListQuery
from providers.directory.bitsets import positions_from_bits
from providers.directory.facets import answer, matching
from providers.directory.index import FACETS, DirectoryIndex
from providers.directory.loading import card_rows
from providers.directory.query import DirectoryForm, DirectoryQuery, printable

# The page's own parameters; "page" is replaced by cursor and limit.
FORM_PARAMETERS = frozenset({"q", *FACETS, "cover_from", "cover_to", "sort"})
API_PARAMETERS = frozenset({"counts", "cursor", "limit"})
CURSOR_SALT = "providers.api.cursor"
MAX_CURSOR_LENGTH = 500
SLUG_MARK = "slug-mark"


def parse(data: QueryDict, index: DirectoryIndex) -> DirectoryQuery:
    """The query as the directory page understands it; unknown parameters become notices."""
    form_data = QueryDict(mutable=True)
    unknown = []
    for name, values in data.lists():
        if name in FORM_PARAMETERS:
            form_data.setlist(name, values)
        elif name not in API_PARAMETERS:
            unknown.append(name)
    query = DirectoryForm(form_data, index=index).query()
    if unknown:
        shown = ", ".join(f"“{printable(name)[:40]}”" for name in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        query.notices.append(f"Ignored unknown parameter {shown}{more}.")
    return query


def fingerprint(query: DirectoryQuery) -> str:
    """Identifies the query a cursor belongs to (values in any order)."""
    described = json.dumps(
        [
            query.text,
            {facet: sorted(keys) for facet, keys in query.facets.items() if keys},
            query.cover_from,
            query.cover_to,
            query.sort,
        ],
        sort_keys=True,
    )
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def make_cursor(index: DirectoryIndex, query: DirectoryQuery, last_id: int) -> str:
    return signing.dumps(
        {"t": index.token, "q": fingerprint(query), "i": last_id}, salt=CURSOR_SALT
    )


def _cursor_problem(kind: str, detail: str, status: int = 400) -> ApiProblem:
    return ApiProblem(
        status, kind, detail, [{"parameter": "cursor", "location": "query", "detail": detail}]
    )


def read_cursor(cursor: str, query: DirectoryQuery) -> tuple[str, int]:
    """The token and the last id a cursor carries, if it is ours and for this query."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise signing.BadSignature
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        token, fingerprint_, last_id = payload["t"], payload["q"], payload["i"]
        if not (isinstance(token, str) and isinstance(last_id, int)):
            raise signing.BadSignature
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise _cursor_problem(
            "invalid-cursor", "This cursor was not issued by this API: start without it."
        ) from None
    if fingerprint_ != fingerprint(query):
        raise _cursor_problem(
            "invalid-cursor",
            "This cursor belongs to another query: keep the filters and sort it was made with.",
        )
    return token, last_id


@dataclass
class Order:
    """The answer in the order the page shows it: bitsets walked in turn (relevance tiers,
    or one), over positions that ``ids`` turns into provider ids."""

    segments: list[int]
    ids: list[int]
    verified: bool = False

    def anchor(self, index: DirectoryIndex, provider_id: int) -> tuple[int, int] | None:
        position = index.position_of.get(provider_id)
        if position is None:
            return None
        if self.verified:
            position = index.rank[position]
        for number, bits in enumerate(self.segments):
            if bits >> position & 1:
                return number, position
        return None

    def take(self, after: tuple[int, int] | None, limit: int) -> list[int]:
        """Up to ``limit`` ids following ``after`` (or from the start)."""
        found: list[int] = []
        first_segment = after[0] if after else 0
        for number in range(first_segment, len(self.segments)):
            bits, offset = self.segments[number], 0
            if after and number == after[0]:
                offset = after[1] + 1
                bits >>= offset
            found += [
                self.ids[position + offset]
                for position in positions_from_bits(bits, 0, limit - len(found))
            ]
            if len(found) >= limit:
                break
        return found


def order_of(index: DirectoryIndex, query: DirectoryQuery, text, result: int) -> Order:
    if query.sort == "verified":
        return Order([index.to_verified(result)], index.ids_by_verified, True)
    if query.sort == "relevance" and text is not None:
        return Order([result & tier for tier in text.tiers], index.ids)
    return Order([result], index.ids)


@dataclass
class ListPage:
    total: int
    ids: list[int]
    next_cursor: str | None
    counts: dict | None


def list_page(
    index: DirectoryIndex,
    query: DirectoryQuery,
    *,
    limit: int,
    cursor: str | None,
    with_counts: bool,
) -> ListPage:
    text, _active, result = matching(index, query)
    order = order_of(index, query, text, result)
    after = None
    if cursor:
        token, last_id = read_cursor(cursor, query)
        after = order.anchor(index, last_id)
        if after is None:
            raise _cursor_problem(
                "cursor-expired",
                "The directory changed and the provider this cursor stood after is no longer "
                "in the answer: start again without it.",
                status=410,
            )
        if token != index.token:
            query.notices.append(
                "The directory changed while you were paging: providers changed since may "
                "be missed or repeated (see /api/v1/changes)."
            )
    ids = order.take(after, limit + 1)
    next_cursor = make_cursor(index, query, ids[limit - 1]) if len(ids) > limit else None
    counts = None
    if with_counts:
        found = answer(index, query, page_size=1)
        counts = {
            facet: [
                {
                    "key": entry.option.key,
                    "label": entry.option.label,
                    "group": entry.option.group,
                    "count": entry.count,
                    "selected": entry.selected,
                }
                for entry in entries
            ]
            for facet, entries in found.counts.items()
        }
    return ListPage(result.bit_count(), ids[:limit], next_cursor, counts)


def summaries(ids: list[int], index: DirectoryIndex, base_url: str) -> list[dict]:
    """The page's providers (one query), in order."""
    catalogue = index.catalogue
    types, capabilities = catalogue.types, catalogue.capabilities
    by_position = catalogue.phase_by_position
    stage_slugs = {stage.pk: stage.slug for stage in catalogue.stages}
    # The page's address, reversed once: a slug needs no quoting in a path.
    page_head, page_tail = reverse("providers:detail", args=[SLUG_MARK]).split(SLUG_MARK)
    page_head = base_url + page_head
    found = []
    for row in card_rows(ids):
        phases = sorted(p for p in row.phase_positions if p in by_position)
        stages = dict.fromkeys(stage_slugs[by_position[p].stage_id] for p in phases)
        found.append(
            {
                "id": row.id,
                "slug": row.slug,
                "name": row.name,
                "url": f"{base_url}/api/v1/providers/{row.slug}",
                "page_url": f"{page_head}{row.slug}{page_tail}",
                "hq_country": row.hq_country,
                "types": [types[pk].slug for pk in row.type_ids if pk in types],
                "stages": list(stages),
                "phases": [by_position[p].slug for p in phases],
                "capabilities": [
                    capabilities[pk].slug for pk in row.capability_ids if pk in capabilities
                ],
                "state": row.state,
                "state_on": row.state_on,
            }
        )
    return found


# The facets in the order of ``schemas.ListQuery`` (the response is written in it).
UNDERSTOOD_FACETS = tuple(name for name in ListQuery.model_fields if name in FACETS)


def understood(query: DirectoryQuery) -> dict:
    """The query as understood, for the response."""
    return {
        "q": query.text,
        **{facet: list(query.facets.get(facet) or []) for facet in UNDERSTOOD_FACETS},
        "cover_from": query.cover_slugs[0] if query.cover_slugs else None,
        "cover_to": query.cover_slugs[1] if query.cover_slugs else None,
        "sort": query.sort,
    }


def next_url(base_url: str, path: str, data: QueryDict, next_cursor: str | None) -> str | None:
    if next_cursor is None:
        return None
    params = [
        (name, value) for name, values in data.lists() if name != "cursor" for value in values
    ]
    params.append(("cursor", next_cursor))
    return f"{base_url}{path}?{urlencode(params)}"
