"""The one place where a provider's derived columns are computed.

Coverage (``phase_positions``), the facet columns (``type_ids``,
``capability_ids``, ``modality_ids``, ``industry_ids``, ``certification_ids``,
``countries``), the evidence summary (``claim_count``, ``backed_claim_count`` over the
profile, services, sites, certifications, regulator identities and inspections,
``backed_capability_ids``), the full-text ``search_document`` (names, with the catalogue's
synonyms and category names, so "API" or "pesticide" find what buyers mean by them, and
the sites' regulator identifiers) and the inspection summary (``inspection_flags``,
``fda_acceptable_on``, ``adverse_on``: dates, so "within N years" is decided by whoever
reads them, against the day it reads; see ``providers.directory.index``) are all
recomputed here, in
one set-based UPDATE, from the services, sites and links curators edit.
``providers.signals`` calls it when a record changes; bulk loaders call it once
for everything they wrote.

Modalities belong to services. A service's modalities are its own links
(``ServiceModalityLink``); a service with none of its own serves the modalities
stated for its provider as a whole (``ProviderModalityLink``); with neither, its
modality is "not stated" and it matches no modality filter. ``modality_ids`` is
the union over the provider's services (a provider without services has none).
``SERVICE_MODALITIES_SQL`` below is the same rule per service, for the index.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

ALL = "all"
# While a bulk change runs inside deferred_refresh(), ids collect here instead.
_pending: ContextVar[set | None] = ContextVar("pending_refresh", default=None)

# The inspection summary: a part of REFRESH_SQL, also run alone after an FDA import.
INSPECTION_SUMMARY_SQL = """
    inspection_flags = ARRAY(
        SELECT DISTINCT flag FROM (
            SELECT 'inspected' AS flag
            FROM providers_site AS site
            JOIN providers_inspection AS i ON i.site_id = site.id
            WHERE site.provider_id = p.id
            UNION ALL
            SELECT 'eu-gmp-certificate'
            FROM providers_site AS site
            JOIN providers_siteidentity AS ident ON ident.site_id = site.id
            WHERE site.provider_id = p.id AND ident.scheme = 'eu-gmp-certificate'
            UNION ALL
            SELECT 'eu-gmp-certificate'
            FROM providers_site AS site
            JOIN providers_inspection AS i ON i.site_id = site.id
            WHERE site.provider_id = p.id AND i.authority = 'eu'
              AND i.outcome = 'gmp-certificate'
              AND NOT EXISTS (
                  SELECT 1 FROM providers_inspection AS later
                  WHERE later.site_id = i.site_id AND later.outcome = 'non-compliance'
                    AND later.end_date >= i.end_date)
        ) AS flags ORDER BY 1
    ),
    fda_acceptable_on = (
        SELECT max(i.end_date)
        FROM providers_site AS site
        JOIN providers_inspection AS i ON i.site_id = site.id
        WHERE site.provider_id = p.id AND i.authority = 'fda' AND i.outcome IN ('nai', 'vai')
    ),
    adverse_on = (
        SELECT max(i.end_date)
        FROM providers_site AS site
        JOIN providers_inspection AS i ON i.site_id = site.id
        WHERE site.provider_id = p.id
          AND (i.outcome IN ('oai', 'non-compliance') OR i.warning_letter)
    )
"""

# Claims: the profile, each service, each site, each certification a site holds, each
# regulator identity and each inspection of a site; backed: those with evidence. A part of
# REFRESH_SQL, also run with the inspection summary after an FDA import.
CLAIMS_SQL = """
    claim_count = 1
        + (SELECT count(*) FROM providers_service AS s WHERE s.provider_id = p.id)
        + (SELECT count(*) FROM providers_site AS site WHERE site.provider_id = p.id)
        + (SELECT count(*) FROM providers_site AS site
           JOIN providers_site_certifications AS sc ON sc.site_id = site.id
           WHERE site.provider_id = p.id)
        + (SELECT count(*) FROM providers_site AS site
           JOIN providers_siteidentity AS ident ON ident.site_id = site.id
           WHERE site.provider_id = p.id)
        + (SELECT count(*) FROM providers_site AS site
           JOIN providers_inspection AS i ON i.site_id = site.id
           WHERE site.provider_id = p.id),
    backed_claim_count = (
        SELECT count(DISTINCT (e.provider_id, e.service_id, e.site_id, e.site_certification_id,
                               e.site_identity_id, e.inspection_id))
        FROM providers_evidence AS e WHERE e.owner_id = p.id)
"""

# Weights: the name matters most, then what the provider does, then its summary.
REFRESH_SQL = (
    """
UPDATE providers_provider AS p SET
    phase_positions = ARRAY(
        SELECT DISTINCT g.position::smallint
        FROM providers_service AS s,
             generate_series(s.first_phase_id::int, s.last_phase_id::int) AS g(position)
        WHERE s.provider_id = p.id
        ORDER BY 1
    ),
    type_ids = ARRAY(
        SELECT t.providertype_id FROM providers_provider_types AS t
        WHERE t.provider_id = p.id ORDER BY 1
    ),
    capability_ids = ARRAY(
        SELECT s.capability_id FROM providers_service AS s
        WHERE s.provider_id = p.id ORDER BY 1
    ),
    modality_ids = ARRAY(
        SELECT DISTINCT sm.modality_id FROM providers_service AS s
        JOIN providers_service_modalities AS sm ON sm.service_id = s.id
        WHERE s.provider_id = p.id
        UNION
        SELECT m.modality_id FROM providers_provider_modalities AS m
        WHERE m.provider_id = p.id AND EXISTS (
            SELECT 1 FROM providers_service AS s WHERE s.provider_id = p.id AND NOT EXISTS (
                SELECT 1 FROM providers_service_modalities AS sm WHERE sm.service_id = s.id))
        ORDER BY 1
    ),
    industry_ids = ARRAY(
        SELECT i.industry_id FROM providers_provider_industries AS i
        WHERE i.provider_id = p.id ORDER BY 1
    ),
    certification_ids = ARRAY(
        SELECT DISTINCT sc.certification_id
        FROM providers_site AS site
        JOIN providers_site_certifications AS sc ON sc.site_id = site.id
        WHERE site.provider_id = p.id ORDER BY 1
    ),
    countries = ARRAY(
        SELECT code FROM (
            SELECT p.hq_country AS code
            UNION
            SELECT site.country FROM providers_site AS site WHERE site.provider_id = p.id
        ) AS c ORDER BY code
    ),
    """
    + CLAIMS_SQL
    + """,
    backed_capability_ids = ARRAY(
        SELECT DISTINCT s.capability_id FROM providers_service AS s
        JOIN providers_evidence AS e ON e.service_id = s.id
        WHERE s.provider_id = p.id ORDER BY 1
    ),
    search_document =
        setweight(to_tsvector('english', p.name), 'A')
        || setweight(to_tsvector('simple', p.name), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(pt.code || ' ' || pt.name || ' ' || pt.synonyms, ' ')
            FROM providers_provider_types AS t
            JOIN providers_providertype AS pt ON pt.id = t.providertype_id
            WHERE t.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(c.name || ' ' || c.synonyms || ' ' || cc.name, ' ')
            FROM providers_service AS s JOIN providers_capability AS c ON c.id = s.capability_id
            JOIN providers_capabilitycategory AS cc ON cc.id = c.category_id
            WHERE s.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(mo.name || ' ' || mo.synonyms, ' ')
            FROM providers_provider_modalities AS m
            JOIN providers_modality AS mo ON mo.id = m.modality_id
            WHERE m.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(DISTINCT mo.name, ' ')
            FROM providers_service AS s
            JOIN providers_service_modalities AS sm ON sm.service_id = s.id
            JOIN providers_modality AS mo ON mo.id = sm.modality_id
            WHERE s.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', p.summary), 'C')
        || setweight(to_tsvector('simple', coalesce((
            SELECT string_agg(ident.value, ' ')
            FROM providers_site AS site
            JOIN providers_siteidentity AS ident ON ident.site_id = site.id
            WHERE site.provider_id = p.id), '')), 'A'),
"""
    + INSPECTION_SUMMARY_SQL
)


def refresh_inspection_summary(provider_ids: Iterable[int]) -> int:
    """Recompute only the inspection columns and the claim counts of these providers (what
    inspections and their evidence change); return rows updated."""
    pending = _pending.get()
    if pending is not None:
        pending.update(int(pk) for pk in provider_ids if pk is not None)
        return 0
    ids = sorted({int(pk) for pk in provider_ids if pk is not None})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE providers_provider AS p SET"
            + INSPECTION_SUMMARY_SQL
            + ","
            + CLAIMS_SQL
            + " WHERE p.id = ANY(%s)",
            [ids],
        )
        updated = cursor.rowcount
    return updated


def refresh_derived(provider_ids: Iterable[int] | None = None) -> int:
    """Recompute derived columns for the given providers (all when None); return rows updated."""
    pending = _pending.get()
    if pending is not None:
        if provider_ids is None:
            pending.add(ALL)
        else:
            pending.update(int(pk) for pk in provider_ids if pk is not None)
        return 0
    with connection.cursor() as cursor:
        if provider_ids is None:
            cursor.execute(REFRESH_SQL)
        else:
            ids = sorted({int(pk) for pk in provider_ids if pk is not None})
            cursor.execute(REFRESH_SQL + " WHERE p.id = ANY(%s)", [ids])
        updated = cursor.rowcount
    return updated


@contextmanager
def deferred_refresh() -> Iterator[set]:
    """Collect refresh requests made inside the block and run them once at its end."""
    pending: set = set()
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    if ALL in pending:
        refresh_derived()
    elif pending:
        refresh_derived(pending)


# One service's modalities under the rule above (``s`` is the service row).
SERVICE_MODALITIES_SQL = """
coalesce(
    nullif(ARRAY(SELECT sm.modality_id FROM providers_service_modalities AS sm
                 WHERE sm.service_id = s.id ORDER BY 1), '{}'),
    ARRAY(SELECT m.modality_id FROM providers_provider_modalities AS m
          WHERE m.provider_id = s.provider_id ORDER BY 1))
"""


PROVIDER_TABLES = (
    "providers_provider",
    "providers_provider_types",
    "providers_provider_modalities",
    "providers_provider_industries",
    "providers_service",
    "providers_site",
    "providers_site_certifications",
    "providers_siteidentity",
    "providers_inspection",
    "providers_evidence",
    "providers_service_modalities",
    "providers_service_sites",
    "providers_service_dosage_forms",
)


def analyze_provider_tables() -> None:
    """Fresh planner statistics after a bulk write. Without them the refresh above plans
    for empty tables and scans whole tables per provider (minutes instead of seconds)."""
    with connection.cursor() as cursor:
        for table in PROVIDER_TABLES:
            cursor.execute(f"ANALYZE {table}")
