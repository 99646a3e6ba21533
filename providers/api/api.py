"""The read API, version 1: endpoints, authentication, limits and the generated OpenAPI 3.1
schema (/api/v1/openapi.json). See docs/api.md."""

import datetime
import hashlib
import re

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe
from ninja import Field, NinjaAPI, Query, Schema
from pydantic import field_validator

from providers.api import listing, problems
from providers.api.access import KeyOrAnonymous, PerCallerRate
from providers.api.changes import changes as change_page
from providers.api.records import load, provider_record
from providers.api.reference import reference_data
from providers.api.schemas import ChangeList, Problem, ProviderDetail, ProviderList, Reference
from providers.directory.index import current_catalogue, get_index

DESCRIPTION = """
Published providers of the contract research, development and manufacturing directory,
for procurement, quality and supplier-qualification systems: the same filters, answers
and counts as the directory's pages, one provider's whole record, the reference data
behind the filters, and what changed since a time.

Anonymous use is allowed at a low rate; an API key (header `X-API-Key`, issued by the
directory's administrators) has its own. Errors are problem details (RFC 9457). Responses
carry an `ETag` (and one provider a `Last-Modified`): send it back in `If-None-Match` to
get `304 Not Modified` while nothing changed.
"""


class DirectoryApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                # Errors are problem details.
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {
                            problems.PROBLEM_TYPE: content.pop("application/json")
                        }
                # A key is optional: anonymous callers are served at the anonymous rate.
                if operation.get("security"):
                    operation["security"] = [{}, *operation["security"]]
        return schema


api = DirectoryApi(
    title="Provider directory API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # our own page: /api/v1/docs (providers/api/docs.py)
    auth=KeyOrAnonymous(),
    throttle=PerCallerRate(),
)
problems.install(api)

ERRORS = {400: Problem, 401: Problem, 429: Problem}


def etag_of(*parts: str) -> str:
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def not_modified(
    request: HttpRequest, etag: str, last_modified: datetime.datetime | None = None
) -> HttpResponse | None:
    """304 when the caller's copy is current (If-None-Match, else If-Modified-Since)."""
    match = request.headers.get("If-None-Match")
    fresh = False
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        fresh = "*" in tags or etag in tags
    elif last_modified is not None:
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        fresh = since is not None and int(last_modified.timestamp()) <= since
    if not fresh:
        return None
    response = HttpResponse(status=304)
    validators(response, etag, last_modified)
    return response


def validators(
    response: HttpResponse, etag: str, last_modified: datetime.datetime | None = None
) -> None:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "no-cache"


def schema_response(request: HttpRequest, response: HttpResponse, data: dict) -> HttpResponse:
    """``data`` written as the endpoint's 200 response, without validating it against the
    response schema first. For the list and the record, whose dicts are built field by
    field in the schema's shape (records.py, listing.py): validating a page of them again
    in pydantic cost more than building them. The schema still documents the response
    (the OpenAPI document is unchanged); tests/api/test_shapes.py validates what these
    endpoints answer against it. ``response`` carries the headers set so far."""
    response.status_code = 200
    return api.create_response(request, data, temporal_response=response)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class ListParameters(Schema):
    q: str = Field("", description="Search text, as typed in the directory's search box.")
    type: list[str] = Field([], description="Provider type slugs; any of them.")
    stage: list[str] = Field([], description="Lifecycle stage slugs; any of them.")
    phase: list[str] = Field([], description="Phase slugs; any of them.")
    capability: list[str] = Field([], description="Capability slugs; every one of them.")
    modality: list[str] = Field([], description="Modality slugs; any of them.")
    industry: list[str] = Field([], description="Industry slugs; any of them.")
    region: list[str] = Field([], description="Region slugs; any of them.")
    country: list[str] = Field([], description="ISO country codes (HQ or site); any.")
    certification: list[str] = Field([], description="Certification slugs; any of them.")
    cover_from: str = Field("", description="Serves every phase from this phase slug ...")
    cover_to: str = Field("", description="... to this one.")
    sort: str = Field(
        "", description="`name`, `verified` (recently verified first) or `relevance`."
    )
    counts: bool = Field(False, description="Include facet counts for every option.")
    limit: int = Field(20, ge=1, le=100, description="Providers per page.")
    cursor: str = Field("", max_length=listing.MAX_CURSOR_LENGTH, description="From `next_cursor`.")


@api.get(
    "/providers",
    response={200: ProviderList, 304: None, 410: Problem, **ERRORS},
    operation_id="listProviders",
    summary="Published providers matching the directory's filters",
    description=(
        "Filters have the same names and meaning as on the directory page "
        "(`/providers/`), and are read by the same code: values not understood are "
        "left out and reported in `notices`, as the page does. Pages follow "
        "`next_cursor`; the order is the page's (name then id unless `sort` says "
        "otherwise, best match first when searching)."
    ),
)
def list_providers(request: HttpRequest, response: HttpResponse, params: Query[ListParameters]):
    index = get_index()
    etag = etag_of("list", index.token, request.GET.urlencode())
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    query = listing.parse(request.GET, index)
    page = listing.list_page(
        index, query, limit=params.limit, cursor=params.cursor or None, with_counts=params.counts
    )
    root = base_url(request)
    validators(response, etag)
    return schema_response(
        request,
        response,
        {
            "total": page.total,
            "results": listing.summaries(page.ids, index, root),
            "next_cursor": page.next_cursor,
            "next": listing.next_url(root, request.path, request.GET, page.next_cursor),
            "query": listing.understood(query),
            "notices": query.notices,
            "counts": page.counts,
        },
    )


@api.get(
    "/providers/{slug}",
    response={200: ProviderDetail, 304: None, 404: Problem, **ERRORS},
    operation_id="getProvider",
    summary="One published provider: profile, coverage, services, sites, verification",
)
def get_provider(request: HttpRequest, response: HttpResponse, slug: str):
    token, catalogue = current_catalogue()  # the record is read from the database
    etag = etag_of("provider", token, slug)
    if request.headers.get("If-None-Match") is not None:
        unchanged = not_modified(request, etag)
        if unchanged is not None:
            return unchanged
    provider = load(slug)
    if provider is None:
        raise Http404("No published provider has this slug.")
    unchanged = not_modified(request, etag, provider.changed_at)
    if unchanged is not None:
        return unchanged
    validators(response, etag, provider.changed_at)
    return schema_response(
        request, response, provider_record(provider, catalogue, base_url(request))
    )


@api.get(
    "/reference",
    response={200: Reference, 304: None, **ERRORS},
    operation_id="getReference",
    summary="Stages, phases, provider types, capabilities, modalities, industries, "
    "certifications and regions",
)
def get_reference(request: HttpRequest, response: HttpResponse):
    index = get_index()
    etag = etag_of("reference", index.token)
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    validators(response, etag)
    return reference_data(index.catalogue)


RFC_3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


class ChangeParameters(Schema):
    since: datetime.datetime | None = Field(
        None,
        description="An RFC 3339 time with its offset, e.g. 2026-11-01T00:00:00Z. "
        "Required without `cursor`.",
    )
    limit: int = Field(100, ge=1, le=1000, description="Changes per page.")
    cursor: str = Field("", max_length=500, description="From `next_cursor`.")

    @field_validator("since", mode="before")
    @classmethod
    def rfc_3339(cls, value):
        if value is None or value == "":
            return None
        if not (isinstance(value, str) and RFC_3339.fullmatch(value)):
            raise ValueError("a time such as 2026-11-01T00:00:00Z (RFC 3339, with its offset)")
        return value


@api.get(
    "/changes",
    response={200: ChangeList, **ERRORS},
    operation_id="listChanges",
    summary="Providers published, changed or withdrawn since a time (incremental sync)",
)
def list_changes(request: HttpRequest, params: Query[ChangeParameters]):
    page = change_page(params.since, params.cursor or None, params.limit)
    root = base_url(request)
    next_link = None
    if page.next_cursor:
        next_link = listing.next_url(root, request.path, request.GET, page.next_cursor)
    return {
        "since": page.since,
        "as_of": page.as_of,
        "results": [
            {
                **row,
                "url": f"{root}/api/v1/providers/{row['slug']}"
                if row["change"] == "published"
                else None,
            }
            for row in page.rows
        ],
        "next_cursor": page.next_cursor,
        "next": next_link,
    }
