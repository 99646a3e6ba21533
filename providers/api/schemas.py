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


class EvidenceOut(Schema):
    url: str = Field(description="The source: a page a buyer can follow.")
    kind: str = Field(
        description="provider-page (the provider's own page), regulator (a regulator's "
        "register or inspection record), news (news or a press release), annual-report, "
        "curator (a curator's audit or call) or declaration (the provider's own declaration)."
    )
    kind_name: str = Field(description="The kind in words.")
    title: str
    seen_on: datetime.date = Field(description="The day the source was seen.")
    quote: str = Field(description="A short passage of the source, word for word (or empty).")


class Profile(Schema):
    summary: str
    website: str
    hq_country: str
    hq_country_name: str
    types: list[ProviderTypeRef]
    modalities: list[Named] = Field(
        description="Modalities stated for the provider as a whole (services may state their own)."
    )
    industries: list[Named]
    evidence: list[EvidenceOut] = Field(
        description="Sources behind the profile (name, types, summary), newest first."
    )


class Coverage(Schema):
    label: str = Field(description="The phases served, in words.")
    stages: list[str]
    phases: list[str]


class CapabilityRef(Schema):
    slug: str
    name: str
    category: str


class TrackRef(Schema):
    slug: str
    name: str


class ServiceOut(Schema):
    capability: CapabilityRef
    first_phase: str
    last_phase: str
    phases: list[str] = Field(description="Every phase from first to last.")
    range_label: str
    track: TrackRef = Field(
        description="The industry track the service's phases lie on (pharmaceutical, "
        "crop-protection): its capability's."
    )
    modalities: list[Named] = Field(
        description="The modalities the service applies to, as the directory matches it."
    )
    modalities_stated: str = Field(
        description="service (its own), provider (none of its own: those stated for the "
        "provider as a whole) or not-stated (neither: it matches no modality filter)."
    )
    dosage_forms: list[Named]
    sites: list[str] = Field(
        description="Names of the provider's sites where it is done; empty: not stated."
    )
    note: str
    evidence: list[EvidenceOut]


class CertificationRef(Schema):
    slug: str
    name: str
    kind: str
    evidence: list[EvidenceOut]


class IdentityOut(Schema):
    scheme: str = Field(
        description="fei (FDA FEI number), duns, eu-authorisation (EU/EEA manufacturing or "
        "import authorisation), eu-gmp-certificate (EudraGMDP GMP certificate) or other."
    )
    scheme_name: str = Field(description="The scheme in words (for other: its own name).")
    value: str = Field(description="As stored: digits only for FEI and DUNS numbers.")
    evidence: list[EvidenceOut]


class InspectionOut(Schema):
    authority: str = Field(description="fda, eu, mhra, pmda or other.")
    authority_name: str = Field(description="Which authority, in words.")
    end_date: datetime.date
    fiscal_year: int | None = Field(description="The FDA's fiscal year, when given.")
    outcome: str = Field(
        description="nai, vai, oai (FDA classifications), gmp-certificate (issued), "
        "non-compliance (a statement of non-compliance) or other."
    )
    outcome_name: str = Field(description="The outcome in words.")
    product_type: str
    project_area: str = Field(description="Program or project area, or the scope.")
    citations_posted: bool
    warning_letter: bool = Field(description="A warning letter followed this inspection.")
    record_url: str = Field(description="A Form 483, warning letter or register entry (or empty).")
    fda_inspection_id: int | None
    evidence: list[EvidenceOut]


class SiteOut(Schema):
    name: str
    city: str
    country: str
    country_name: str
    certifications: list[CertificationRef]
    identities: list[IdentityOut] = Field(description="Regulator identities of the site.")
    inspections: list[InspectionOut] = Field(description="Newest first.")
    evidence: list[EvidenceOut]


class Verification(Schema):
    state: str = Field(
        description="compiled (from public sources, not checked by a person), checked (by a "
        "curator) or confirmed (by the provider)."
    )
    state_on: datetime.date | None = Field(
        description="When the record was compiled, checked or confirmed."
    )
    source: str = Field(description="What it was checked against: a URL or a note.")
    claims: int = Field(
        description="Claims the record makes: the profile, each service, site, site "
        "certification, regulator identity and inspection."
    )
    claims_with_evidence: int = Field(description="Those backed by at least one evidence item.")


class ProviderDetail(Schema):
    id: int
    slug: str
    name: str
    url: str
    page_url: str
    updated_at: datetime.datetime = Field(
        description="When the record, its services, sites, evidence, or its sites' regulator "
        "identities or inspections last changed."
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


class TrackOut(Schema):
    slug: str
    name: str
    position: int
    description: str


class PhaseOut(Schema):
    slug: str
    name: str
    stage: str
    track: str = Field(description="The industry track it lies on.")
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
    track: str = Field(description="The industry track its phases lie on.")
    first_phase: str
    last_phase: str
    synonyms: list[str] = Field(description="Words buyers also search it by.")


class IndustryOut(Schema):
    slug: str
    name: str
    track: str | None = Field(description="The track the industry works in, if one.")


class CertificationOut(Schema):
    slug: str
    name: str
    kind: str


class RegionOut(Schema):
    slug: str
    name: str


class Reference(Schema):
    stages: list[StageOut]
    tracks: list[TrackOut]
    phases: list[PhaseOut]
    provider_types: list[ProviderTypeOut]
    capability_categories: list[CategoryOut]
    capabilities: list[CapabilityOut]
    modalities: list[Named]
    industries: list[IndustryOut]
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
