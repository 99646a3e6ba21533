"""Providers changed since a time, for incremental sync, from the history tables.

A provider has changed when a history row of its own, of one of its services, sites or
evidence items, or of one of its sites' regulator identities or inspections was written
(django-simple-history keeps one for every save, link change and deletion; the imports
write the same rows). Each changed provider is listed once, at its latest change, in the order
(time, id):

- published now: ``published`` (fetch it again);
- not published now (withdrawn, back to draft, or deleted) but published at some time:
  ``withdrawn``, with the slug buyers last saw. Providers never published are never
  listed: nothing a buyer could not see.

A first page fixes ``as_of`` (the app server's clock, the one history times are written
with); every page lists changes up to it, so paging is stable while curators work. The next
sync starts from that ``as_of`` (less a minute or so: a change saved just before ``as_of``
may commit just after it).
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from providers.api.problems import ApiProblem
from providers.models import PUBLISHED
from providers.reads import read_connection

CURSOR_SALT = "providers.api.changes"

CHANGES_SQL = """
WITH touched AS (
    SELECT h.id AS provider_id, h.history_date FROM providers_historicalprovider AS h
    WHERE h.history_date > %(since)s AND h.history_date <= %(as_of)s
    UNION ALL
    SELECT h.provider_id, h.history_date FROM providers_historicalservice AS h
    WHERE h.history_date > %(since)s AND h.history_date <= %(as_of)s
    UNION ALL
    SELECT h.provider_id, h.history_date FROM providers_historicalsite AS h
    WHERE h.history_date > %(since)s AND h.history_date <= %(as_of)s
    UNION ALL
    SELECT h.owner_id, h.history_date FROM providers_historicalevidence AS h
    WHERE h.history_date > %(since)s AND h.history_date <= %(as_of)s
    UNION ALL
    SELECT site.provider_id, site.history_date FROM (
        SELECT h.site_id, h.history_date FROM providers_historicalsiteidentity AS h
        WHERE h.history_date > %(since)s AND h.history_date <= %(as_of)s
        UNION ALL
        SELECT h.site_id, h.history_date FROM providers_historicalinspection AS h
        WHERE h.history_date > %(since)s AND h.history_date <= %(as_of)s
    ) AS regulatory
    -- The site's provider: from the site's own history, so a deleted site still counts.
    CROSS JOIN LATERAL (
        SELECT hs.provider_id, regulatory.history_date FROM providers_historicalsite AS hs
        WHERE hs.id = regulatory.site_id ORDER BY hs.history_id DESC LIMIT 1
    ) AS site
), latest AS (
    SELECT provider_id, max(history_date) AS changed_at FROM touched
    WHERE provider_id IS NOT NULL GROUP BY provider_id
)
SELECT * FROM (
    SELECT latest.provider_id, latest.changed_at, p.slug, p.status, (
        SELECT h.slug FROM providers_historicalprovider AS h
        WHERE h.id = latest.provider_id AND h.status = %(published)s
        ORDER BY h.history_date DESC, h.history_id DESC LIMIT 1
    ) AS published_slug
    FROM latest LEFT JOIN providers_provider AS p ON p.id = latest.provider_id
    WHERE (latest.changed_at, latest.provider_id) > (%(after_time)s, %(after_id)s)
) AS changed
WHERE changed.status = %(published)s OR changed.published_slug IS NOT NULL
ORDER BY changed.changed_at, changed.provider_id
LIMIT %(fetch)s
"""


@dataclass
class ChangePage:
    since: datetime.datetime
    as_of: datetime.datetime
    rows: list[dict]
    next_cursor: str | None


def _cursor_problem(detail: str) -> ApiProblem:
    return ApiProblem(
        400,
        "invalid-cursor",
        detail,
        [{"parameter": "cursor", "location": "query", "detail": detail}],
    )


def read_cursor(cursor: str) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime, int]:
    try:
        if len(cursor) > 500:
            raise signing.BadSignature
        since, as_of, after_time, after_id = signing.loads(cursor, salt=CURSOR_SALT)
        parsed = [datetime.datetime.fromisoformat(v) for v in (since, as_of, after_time)]
        if not isinstance(after_id, int):
            raise signing.BadSignature
    except (signing.BadSignature, TypeError, ValueError):
        raise _cursor_problem(
            "This cursor was not issued by /changes: start again with `since`."
        ) from None
    return parsed[0], parsed[1], parsed[2], after_id


def changes(since: datetime.datetime | None, cursor: str | None, limit: int) -> ChangePage:
    """One page of changes: from ``since``, or where ``cursor`` left off."""
    if cursor:
        since_, as_of, after_time, after_id = read_cursor(cursor)
        if since is not None and since != since_:
            raise _cursor_problem("This cursor was made for another `since`: leave one out.")
        since = since_
    else:
        if since is None:
            detail = "Say since when: an ISO 8601 time such as 2026-11-01T00:00:00Z."
            raise ApiProblem(
                400,
                "invalid-parameters",
                detail,
                [{"parameter": "since", "location": "query", "detail": detail}],
            )
        as_of, after_time, after_id = timezone.now(), since, 0
    with read_connection().cursor() as db:
        db.execute(
            CHANGES_SQL,
            {
                "since": since,
                "as_of": as_of,
                "after_time": after_time,
                "after_id": after_id,
                "published": PUBLISHED,
                "fetch": limit + 1,
            },
        )
        fetched = db.fetchall()
    rows = []
    for provider_id, changed_at, slug, status, published_slug in fetched[:limit]:
        published = status == PUBLISHED
        rows.append(
            {
                "id": provider_id,
                "slug": slug if published else published_slug,
                "change": "published" if published else "withdrawn",
                "deleted": slug is None,
                "changed_at": changed_at,
            }
        )
    next_cursor = None
    if len(fetched) > limit:
        last = rows[-1]
        next_cursor = signing.dumps(
            [since.isoformat(), as_of.isoformat(), last["changed_at"].isoformat(), last["id"]],
            salt=CURSOR_SALT,
        )
    return ChangePage(since, as_of, rows, next_cursor)
