"""Loading published providers for buyer pages, in one place: result cards (one query
for a page of them) and everything the provider page shows (one query).

Plain SQL: on every directory request the ORM's query building cost more than the query.
Only published providers come back; the status is passed as a parameter
(``providers.models.PUBLISHED``). Pages that load whole records through the ORM (compare,
the shortlist export) use ``Provider.objects.published().with_parts()``.
"""

from dataclasses import dataclass

from providers.derived import SERVICE_MODALITIES_SQL
from providers.models import PUBLISHED
from providers.reads import prepared_cursor

CARD_FIELDS = (
    "id",
    "name",
    "slug",
    "hq_country",
    "state_on",
    "type_ids",
    "phase_positions",
    "capability_ids",
    "state",
    "claim_count",
    "backed_claim_count",
    "countries",
    "summary",
)


@dataclass(frozen=True)
class CardRow:
    id: int
    name: str
    slug: str
    hq_country: str
    state_on: object
    type_ids: list
    phase_positions: list
    capability_ids: list
    state: str
    claim_count: int
    backed_claim_count: int
    countries: list
    summary: str
    # [capability id, first phase, last phase, modality ids, [[site name, city, country]],
    #  own modalities recorded (bool)]; empty unless loaded (card_rows(services=True))
    services: list
    sites: list  # [name, city, country]; empty unless loaded (card_rows(places=True))


# A card's services (for its "why it matched" lines): [capability id, first phase, last
# phase, modality ids, [[site name, city, country]] (empty unless asked for), own
# modalities recorded].
_SERVICES_JSON = f"""coalesce((
           SELECT json_agg(json_build_array(
                      s.capability_id, s.first_phase_id, s.last_phase_id,
                      {SERVICE_MODALITIES_SQL},
                      SERVICE_SITES,
                      EXISTS (SELECT 1 FROM providers_service_modalities AS sm
                              WHERE sm.service_id = s.id)))
           FROM providers_service AS s WHERE s.provider_id = p.id), '[]')"""
_SERVICE_SITES_JSON = """coalesce((SELECT json_agg(json_build_array(site.name, site.city,
                                                                 site.country)
                                                ORDER BY site.country, site.city, site.name)
                                FROM providers_service_sites AS ss
                                JOIN providers_site AS site ON site.id = ss.site_id
                                WHERE ss.service_id = s.id), '[]')"""
_SITES_JSON = """coalesce((
           SELECT json_agg(json_build_array(site.name, site.city, site.country)
                           ORDER BY site.country, site.city, site.name)
           FROM providers_site AS site WHERE site.provider_id = p.id), '[]')"""


def card_sql(services: bool = True, places: bool = True) -> str:
    """The card query. Services and sites cost most of it (JSON built per service), and
    only the "why it matched" lines use them: ``services`` loads each service,
    ``places`` the sites (the provider's, and each loaded service's); left out, they
    come back as empty lists."""
    services_json = (
        _SERVICES_JSON.replace("SERVICE_SITES", _SERVICE_SITES_JSON if places else "'[]'::json")
        if services
        else "'[]'::json"
    )
    return f"""
SELECT {", ".join("p." + name for name in CARD_FIELDS)},
       {services_json},
       {_SITES_JSON if places else "'[]'::json"}
FROM providers_provider AS p
WHERE p.status = %s AND p.id = ANY(%s)
"""


CARD_SQL = card_sql()  # everything a card can show
_CARD_SQL = {
    (services, places): card_sql(services, places)
    for services in (False, True)
    for places in (False, True)
}


def card_rows(ids: list[int], *, services: bool = False, places: bool = False) -> list[CardRow]:
    """Published providers ``ids`` as card rows, in that order, in one query; with their
    services and sites only when asked for (see ``card_sql``)."""
    if not ids:
        return []
    with prepared_cursor() as cursor:
        cursor.execute(_CARD_SQL[services, places], [PUBLISHED, list(ids)])
        found = {values[0]: CardRow(*_kept_values(values)) for values in cursor.fetchall()}
    return [found[pk] for pk in ids if pk in found]


def _kept_values(values) -> list:
    """A row's values as kept: lists as tuples, and equal texts and equal tuples of texts
    or of ids one object (``_as_tuples``). Rows are kept per index (``cards.full_rows``)."""
    same: dict = {}
    return [_as_tuples(value, same) for value in values]


def _as_tuples(value, same: dict):
    """A row's lists (arrays, the services' JSON) as tuples, all the way down: the garbage
    collector stops tracking a tuple of numbers and strings, where thousands of kept lists
    would make every full collection of a worker's heap slower. Within the row, a text or
    a tuple of texts only (a site: name, city, country) or of ints only (a service's
    modality ids) is one object however often it comes: each of a provider's sites is
    repeated under every service made there, and a kept row held about 3.3 KB, 2 KB once
    repeats are shared. Tuples of mixed types are not merged: ``True == 1`` would make
    ``(True,)`` and ``(1,)`` one."""
    kind = type(value)
    if kind is list:
        value = tuple([_as_tuples(item, same) for item in value])
        if all(type(item) is str for item in value) or all(type(item) is int for item in value):
            return same.setdefault(value, value)
        return value
    if kind is str:
        return same.setdefault(value, value)
    return value


def _evidence_json(condition: str) -> str:
    """The evidence items matching ``condition`` as a JSON array of
    [url, kind, title, seen on, quote], newest first."""
    return (
        "coalesce((SELECT json_agg(json_build_array(e.url, e.kind, e.title, e.seen_on, e.quote)"
        " ORDER BY e.seen_on DESC, e.id)"
        f" FROM providers_evidence AS e WHERE {condition}), '[]')"
    )


PROVIDER_PAGE_SQL = f"""
SELECT p.id, p.name, p.slug, p.summary, p.website, p.hq_country, p.state_on, p.source,
       p.type_ids, p.modality_ids, p.industry_ids, p.phase_positions, p.capability_ids,
       coalesce((
           SELECT json_agg(json_build_array(s.capability_id, s.first_phase_id, s.last_phase_id,
                                            s.note, {_evidence_json("e.service_id = s.id")}))
           FROM providers_service AS s WHERE s.provider_id = p.id), '[]'),
       coalesce((
           SELECT json_agg(json_build_array(
                      site.name, site.city, site.country,
                      ARRAY(SELECT sc.certification_id FROM providers_site_certifications AS sc
                            WHERE sc.site_id = site.id ORDER BY 1),
                      coalesce((
                          SELECT json_agg(json_build_array(
                                     ident.scheme, ident.scheme_name, ident.value,
                                     {_evidence_json("e.site_identity_id = ident.id")})
                                 ORDER BY ident.scheme, ident.value)
                          FROM providers_siteidentity AS ident
                          WHERE ident.site_id = site.id), '[]'),
                      coalesce((
                          SELECT json_agg(json_build_array(
                                     i.authority, i.authority_name, i.end_date, i.outcome,
                                     i.outcome_text, i.product_type, i.project_area,
                                     i.citations_posted, i.warning_letter, i.source_url,
                                     i.fda_inspection_id,
                                     {_evidence_json("e.inspection_id = i.id")})
                                 ORDER BY i.end_date DESC, i.id DESC)
                          FROM providers_inspection AS i
                          WHERE i.site_id = site.id), '[]'),
                      {_evidence_json("e.site_id = site.id")},
                      coalesce((
                          SELECT json_object_agg(
                              sc.certification_id,
                              {_evidence_json("e.site_certification_id = sc.id")})
                          FROM providers_site_certifications AS sc
                          WHERE sc.site_id = site.id), '{{}}'))
                  ORDER BY site.country, site.city, site.name)
           FROM providers_site AS site WHERE site.provider_id = p.id), '[]'),
       p.state, p.claim_count, p.backed_claim_count,
       {_evidence_json("e.provider_id = p.id")}
FROM providers_provider AS p
WHERE p.slug = %s AND p.status = %s
"""


@dataclass(frozen=True)
class ProviderPage:
    id: int
    name: str
    slug: str
    summary: str
    website: str
    hq_country: str
    state_on: object
    source: str
    type_ids: list
    modality_ids: list
    industry_ids: list
    phase_positions: list
    capability_ids: list
    services: list  # [capability_id, first phase, last phase, note, evidence]
    # [name, city, country, [certification ids], [identity], [inspection, newest first],
    #  evidence, {certification id: evidence}]
    # identity: [scheme, scheme name, value, evidence]; inspection: [authority, authority
    # name, end date, outcome, outcome text, product type, project area, citations posted,
    # warning letter, source URL, FDA inspection id, evidence]
    sites: list
    state: str
    claim_count: int
    backed_claim_count: int
    evidence: list  # the profile's; every evidence list is [[url, kind, title, seen, quote]]


def provider_page(slug: str) -> ProviderPage | None:
    """Everything the provider page shows, in one query (None unless published); prepared
    on the server once hot."""
    with prepared_cursor() as cursor:
        cursor.execute(PROVIDER_PAGE_SQL, [slug, PUBLISHED])
        row = cursor.fetchone()
    return ProviderPage(*row) if row else None
