"""The API's response shapes. The OpenAPI schema (/api/v1/openapi.json) is generated from
these, and every response is validated against them before it leaves."""

import datetime

from ninja import Schema
from pydantic import Field


class Problem(Schema):
    """A problem detail (RFC 9457)."""

    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str
    status: int
    detail: str
    errors: list["ParameterError"] | None = Field(
        None, description="For invalid parameters: each one and what is wrong with it."
    )


class ParameterError(Schema):
    parameter: str
    location: str = Field(description="Where the parameter is: query or path.")
    detail: str


Problem.model_rebuild()


class Named(Schema):
    slug: str
    name: str


# --- The provider list -----------------------------------------------------------------


class ProviderSummary(Schema):
    id: int = Field(description="Stable identifier: slugs can change, ids do not.")
    slug: str
    name: str
    url: str = Field(description="This provider in the API.")
    page_url: str = Field(description="This provider's page on the site.")
    hq_country: str = Field(description="ISO 3166-1 alpha-2 code of the headquarters.")
    types: list[str] = Field(description="Provider type slugs (see /reference).")
    stages: list[str] = Field(description="Lifecycle stages served by at least one service.")
    phases: list[str] = Field(description="Phases served by at least one service (coverage).")
    capabilities: list[str]
    state: str = Field(
        description="compiled (from public sources, not checked by a person), checked (by a "
        "curator) or confirmed (by the provider)."
    )
    state_on: datetime.date | None = Field(description="When the record reached its state.")


class OptionCount(Schema):
    key: str
    label: str
    group: str = ""
    count: int = Field(description="Providers the answer would hold with this option chosen.")
    selected: bool


class ListQuery(Schema):
    """The query as understood: unknown values left out (and reported in ``notices``)."""

    q: str
    type: list[str]
    stage: list[str]
    phase: list[str]
    capability: list[str]
    modality: list[str]
    industry: list[str]
    region: list[str]
    country: list[str]
    certification: list[str]
    cover_from: str | None
    cover_to: str | None
    sort: str = Field(description="What orders the results: relevance, name or verified.")


class ProviderList(Schema):
    total: int = Field(description="Providers matching the query, on every page.")
    results: list[ProviderSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    next: str | None = Field(description="The next page's URL.")
    query: ListQuery
    notices: list[str] = Field(description="What was ignored or changed, as on the page.")
    counts: dict[str, list[OptionCount]] | None = Field(
        description="Facet counts for every option (with `counts=true`)."
    )


# --- One provider: one part each -------------------------------------------------------


class ProviderTypeRef(Schema):
    slug: str
    code: str
    name: str


class Profile(Schema):
    summary: str
    website: str
    hq_country: str
    hq_country_name: str
    types: list[ProviderTypeRef]
    modalities: list[Named]
    industries: list[Named]


class Coverage(Schema):
    label: str = Field(description="The phases served, in words.")
    stages: list[str]
    phases: list[str]


class CapabilityRef(Schema):
    slug: str
    name: str
    category: str


class ServiceOut(Schema):
    capability: CapabilityRef
    first_phase: str
    last_phase: str
    phases: list[str] = Field(description="Every phase from first to last.")
    range_label: str
    note: str


class CertificationRef(Schema):
    slug: str
    name: str
    kind: str


class SiteOut(Schema):
    name: str
    city: str
    country: str
    country_name: str
    certifications: list[CertificationRef]


class Verification(Schema):
    state: str = Field(
        description="compiled (from public sources, not checked by a person), checked (by a "
        "curator) or confirmed (by the provider)."
    )
    state_on: datetime.date | None = Field(
        description="When the record was compiled, checked or confirmed."
    )
    source: str = Field(description="What it was checked against: a URL or a note.")


class ProviderDetail(Schema):
    id: int
    slug: str
    name: str
    url: str
    page_url: str
    updated_at: datetime.datetime = Field(
        description="When the record, its services or its sites last changed."
    )
    profile: Profile
    coverage: Coverage
    services: list[ServiceOut]
    sites: list[SiteOut]
    verification: Verification


# --- Reference data --------------------------------------------------------------------


class StageOut(Schema):
    slug: str
    name: str
    position: int


class PhaseOut(Schema):
    slug: str
    name: str
    stage: str
    position: int


class ProviderTypeOut(Schema):
    slug: str
    code: str
    name: str
    description: str
    typical_stages: list[str]


class CategoryOut(Schema):
    slug: str
    name: str


class CapabilityOut(Schema):
    slug: str
    name: str
    category: str
    description: str
    first_phase: str
    last_phase: str


class CertificationOut(Schema):
    slug: str
    name: str
    kind: str


class RegionOut(Schema):
    slug: str
    name: str


class Reference(Schema):
    stages: list[StageOut]
    phases: list[PhaseOut]
    provider_types: list[ProviderTypeOut]
    capability_categories: list[CategoryOut]
    capabilities: list[CapabilityOut]
    modalities: list[Named]
    industries: list[Named]
    certifications: list[CertificationOut]
    regions: list[RegionOut]


# --- Changes ---------------------------------------------------------------------------


class Change(Schema):
    id: int
    slug: str
    change: str = Field(
        description="`published`: fetch it again; `withdrawn`: no longer published (or deleted)."
    )
    deleted: bool
    changed_at: datetime.datetime
    url: str | None = Field(description="The provider in the API, when published.")


class ChangeList(Schema):
    since: datetime.datetime
    as_of: datetime.datetime = Field(
        description="Changes up to this time are listed; start the next sync from it."
    )
    results: list[Change]
    next_cursor: str | None
    next: str | None
