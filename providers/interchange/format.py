"""The spreadsheet interchange format for providers (CSV and XLSX), as in docs/import-format.md.

One row per provider. List cells separate items with ``;``; a service is
``capability: first-phase to last-phase | note | modalities | dosage forms | sites`` (the
last three are lists separated by ``,``, and may be left out), a site is
``name | city | country | certification, certification | identities``, where the
identities (optional) are ``scheme: value`` items separated by ``,`` (``fei: 3004795989,
duns: 123456789, other (PMDA FMA): AG-1``), and an evidence item is
``claim | kind | seen-on | url | title | quote``, where the claim is ``profile``,
``service: capability``, ``site: site name``, ``certification: slug @ site name``,
``identity: scheme value`` (a regulator identity of a site in the row) or
``inspection: authority date-or-FDA-ID @ site name`` (an inspection the directory holds
for a site in the row: inspections themselves do not travel in this format).
A backslash makes the next character literal (``\\;``, ``\\|``, ``\\\\``, ``\\,`` in a
service's site names, and ``\\,`` ``\\:`` inside an identity), so any text round-trips.

Reading turns a file into rows of text cells (or one plain error); writing turns
``ProviderRecord`` objects into cells that are safe to open in a spreadsheet: a
cell starting with ``= + - @``, a tab, a carriage return or an apostrophe gets a
leading apostrophe, which reading removes again.

``ProviderRecord`` is the canonical, comparable form of a provider. Export,
import ("is this row unchanged?") and restore from history all go through it, so
they cannot disagree about what a provider is.

The package: ``format`` (this module: columns, records, cell escaping), ``records``
(loading records from the database), ``reading`` (CSV/XLSX files to rows of text),
``parsing`` (rows to records, every error with row and column), ``writing`` (records
to CSV/XLSX) and ``importing`` (plan, preview and write an import, all or nothing).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from providers.evidence import VerificationState
from providers.models import Provider

COLUMNS = (
    "slug",
    "name",
    "types",
    "hq_country",
    "website",
    "summary",
    "industries",
    "modalities",
    "services",
    "sites",
    "status",
    "state",
    "state_on",
    "source",
    "evidence",
    "is_synthetic",
)
REQUIRED_COLUMNS = ("name", "types", "hq_country", "status")
ESCAPED = ("\\", ";", "|")
SHEET_TITLE = "providers"
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class InterchangeError(Exception):
    """The file as a whole cannot be read; the message says why in plain words."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, order=True)
class ServiceEntry:
    first: int
    last: int
    capability: str
    note: str = ""
    # What the service applies to and where it is done, each in a fixed order: modality and
    # dosage form slugs in catalogue order, names of the row's own sites sorted ignoring case.
    # Empty: none of its own (it then serves the provider's modalities, at any of its sites).
    modalities: tuple[str, ...] = ()
    dosage_forms: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class SiteEntry:
    country: str
    city: str
    name: str
    certifications: tuple[str, ...] = ()
    # Regulator identities, sorted: (scheme, scheme name for "other", value).
    identities: tuple[tuple[str, str, str], ...] = ()

    @property
    def key(self) -> str:
        return self.name.lower()


PROFILE_CLAIM = "profile"


@dataclass(frozen=True, order=True)
class EvidenceEntry:
    """One evidence item and the claim it backs, named by what the row itself says:
    ``profile``, ``service: <capability slug>``, ``site: <site name>``,
    ``certification: <certification slug> @ <site name>``, ``identity: <scheme> <value>``
    or ``inspection: <authority> <FDA inspection ID or end date> @ <site name>``."""

    claim: str
    kind: str
    seen_on: datetime.date
    url: str
    title: str
    quote: str = ""


def service_claim(capability: str) -> str:
    return f"service: {capability}"


def site_claim(site_name: str) -> str:
    return f"site: {site_name}"


def certification_claim(certification: str, site_name: str) -> str:
    return f"certification: {certification} @ {site_name}"


def identity_claim(scheme: str, scheme_name: str, value: str) -> str:
    """``identity: fei 3004795989``, ``identity: other (PMDA FMA) AG-1``."""
    label = f"other ({scheme_name})" if scheme == "other" else scheme
    return f"identity: {label} {value}"


def inspection_claim(authority: str, end_date, fda_inspection_id, site_name: str) -> str:
    """``inspection: fda 1234567 @ Plant`` by its FDA inspection ID when it has one, else
    ``inspection: eu 2025-03-14 @ Plant`` (one such inspection per site, authority and day,
    which the database enforces)."""
    named = str(fda_inspection_id) if fda_inspection_id else end_date.isoformat()
    return f"inspection: {authority} {named} @ {site_name}"


@dataclass(frozen=True)
class ProviderRecord:
    """Everything the interchange format carries about one provider."""

    slug: str
    name: str
    types: frozenset[str]
    hq_country: str
    website: str = ""
    summary: str = ""
    industries: frozenset[str] = frozenset()
    modalities: frozenset[str] = frozenset()
    services: frozenset[ServiceEntry] = frozenset()
    sites: frozenset[SiteEntry] = frozenset()
    status: str = Provider.Status.DRAFT
    state: str = VerificationState.COMPILED
    state_on: datetime.date | None = None
    source: str = ""
    evidence: frozenset[EvidenceEntry] = frozenset()
    is_synthetic: bool = False

    def provider_fields(self) -> dict:
        """Values of the Provider's own columns (not links, services or sites)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "hq_country": self.hq_country,
            "website": self.website,
            "summary": self.summary,
            "status": self.status,
            "state": self.state,
            "state_on": self.state_on,
            "source": self.source,
            "is_synthetic": self.is_synthetic,
        }

    def claims(self) -> set[str]:
        """Every claim of this record an evidence item may name."""
        found = {PROFILE_CLAIM}
        found |= {service_claim(entry.capability) for entry in self.services}
        for site in self.sites:
            found.add(site_claim(site.name).lower())
            found |= {certification_claim(slug, site.name).lower() for slug in site.certifications}
            found |= {identity_claim(*identity).lower() for identity in site.identities}
        return found

    def keeps_claim(self, claim: str) -> bool:
        """Whether this record still holds ``claim``: an inspection claim while its site is
        in the record (the directory keeps a kept site's inspections), any other while it
        names one of the record's claims."""
        if claim.startswith("inspection:"):
            site = claim.rpartition(" @ ")[2]
            return site_claim(site).lower() in self.claims()
        key = claim if claim.startswith("service:") else claim.lower()
        return key in self.claims()

    def changed_columns(self, other: ProviderRecord) -> list[str]:
        return [column for column in COLUMNS if getattr(self, column) != getattr(other, column)]


# --------------------------------------------------------------------------- cells


def escape_text(text: str) -> str:
    for char in ESCAPED:
        text = text.replace(char, "\\" + char)
    return text


def escape_list_item(text: str) -> str:
    """Text inside a comma-separated part (a service's site names): ``,`` escaped too."""
    return escape_text(text).replace(",", "\\,")


def site_names_order(names) -> tuple[str, ...]:
    """A service's site names in their one canonical order."""
    return tuple(sorted(names, key=lambda name: (name.lower(), name)))


def escape_identity(text: str) -> str:
    """Text inside an identity item: also ``,`` (between identities) and ``:`` escaped."""
    return escape_text(text).replace(",", "\\,").replace(":", "\\:")


def identity_text(scheme: str, scheme_name: str, value: str) -> str:
    """One identity as the site cell writes it: ``fei: 3004795989``, ``other (Name): X``."""
    label = f"other ({escape_identity(scheme_name)})" if scheme == "other" else scheme
    return f"{label}: {escape_identity(value)}"


def split_escaped(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not escaped; escapes stay in the parts."""
    parts, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            current.append(char)
            current.append(next(chars, ""))
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape_text(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).strip()


def items(cell: str) -> list[str]:
    return [part.strip() for part in split_escaped(cell, ";") if part.strip()]
