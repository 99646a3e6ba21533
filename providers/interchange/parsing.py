"""Rows of text cells to provider records: every bad value reported with its row and
column, nothing guessed."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.text import slugify
from django_countries import countries

from providers.evidence import MAX_EVIDENCE_URL, MAX_QUOTE, EvidenceKind, VerificationState
from providers.interchange.format import (
    COLUMNS,
    NO,
    PROFILE_CLAIM,
    REQUIRED_COLUMNS,
    YES,
    EvidenceEntry,
    ProviderRecord,
    ServiceEntry,
    SiteEntry,
    certification_claim,
    identity_claim,
    inspection_claim,
    items,
    service_claim,
    site_claim,
    site_names_order,
    split_escaped,
    unescape_text,
)
from providers.interchange.records import ReferenceLookup
from providers.models import Provider, Service, Site
from providers.regulatory import (
    DIGIT_SCHEMES,
    Authority,
    IdentityScheme,
    SiteIdentity,
    identifier_problem,
    normalise_identifier,
)
from providers.spreadsheets import unprotect_formula


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str
    value: str = ""


MAX_LENGTHS = {
    "slug": Provider._meta.get_field("slug").max_length,
    "name": Provider._meta.get_field("name").max_length,
    "website": Provider._meta.get_field("website").max_length,
    "summary": Provider._meta.get_field("summary").max_length,
    "source": Provider._meta.get_field("source").max_length,
}
NOTE_MAX = Service._meta.get_field("note").max_length
SITE_NAME_MAX = Site._meta.get_field("name").max_length
IDENTITY_SCHEME_NAME_MAX = SiteIdentity._meta.get_field("scheme_name").max_length
CITY_MAX = Site._meta.get_field("city").max_length
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COUNTRY_NAMES = {name.lower(): code for code, name in countries}
STATUSES = {value for value, _ in Provider.Status.choices}


def check_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map each column name to its position; return problems with the header as messages."""
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    names = [RENAMED.get(name, name) for name in names]
    problems, positions = [], {}
    for index, name in enumerate(names):
        if not name:
            problems.append(f"Column {index + 1} has no name in the header row.")
        elif name in positions:
            problems.append(f"The column '{name}' appears twice in the header row.")
        elif name not in COLUMNS:
            problems.append(
                f"Unknown column '{header[index].strip()}' (column {index + 1}); the format has "
                f"exactly these columns: {', '.join(COLUMNS)}."
            )
        else:
            positions[name] = index
    missing = [name for name in COLUMNS if name not in positions and name not in OPTIONAL_COLUMNS]
    if missing:
        problems.append(f"Missing column(s): {', '.join(missing)}.")
    return positions, problems


# Columns renamed since files were first exchanged: the old name still reads.
RENAMED = {"last_verified_on": "state_on"}
# Columns added after files were first exchanged: a file without them says nothing about
# them, and the records it updates keep their state and evidence.
OPTIONAL_COLUMNS = ("state", "evidence")


class RowParser:
    """Turns one row of cells into a ProviderRecord, collecting every problem it finds."""

    def __init__(self, lookup: ReferenceLookup, positions: dict[str, int]):
        self.lookup = lookup
        self.positions = positions
        self.width = max(positions.values()) + 1 if positions else 0
        self.absent = [column for column in OPTIONAL_COLUMNS if column not in positions]

    def parse(self, number: int, cells: list[str]) -> tuple[ProviderRecord | None, list[CellError]]:
        errors: list[CellError] = []

        def fail(column: str, message: str, value: str = "") -> None:
            errors.append(CellError(number, column, message, value[:80]))

        if len(cells) > self.width and any(cell.strip() for cell in cells[self.width :]):
            fail("", f"The row has {len(cells)} cells but the header has {self.width} columns.")
            return None, errors
        if len(cells) < self.width:
            fail("", f"The row has {len(cells)} cells but the header has {self.width} columns.")
            return None, errors
        raw = {column: unprotect_formula(cells[i]).strip() for column, i in self.positions.items()}
        raw.update(dict.fromkeys(self.absent, ""))

        for column in REQUIRED_COLUMNS:
            if not raw[column]:
                fail(column, "This cell is required and is empty.")
        for column, limit in MAX_LENGTHS.items():
            if len(raw[column]) > limit:
                fail(
                    column,
                    f"Too long: {len(raw[column])} characters, at most {limit} allowed.",
                    raw[column][:60] + "…",
                )

        slug = raw["slug"]
        if slug and not SLUG_RE.match(slug):
            fail(
                "slug",
                "A slug is lower-case letters, digits and single hyphens, e.g. 'acme-pharma'.",
                slug,
            )
        if not slug and not raw["website"]:
            fail("slug", "Give a slug or a website so the row can be matched to a provider.")

        website = raw["website"]
        if website:
            from django.core.exceptions import ValidationError
            from django.core.validators import URLValidator

            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                fail("website", "Not a web address; write it in full, e.g. https://example.com.")

        hq_country = self._country(raw["hq_country"])
        if raw["hq_country"] and not hq_country:
            fail(
                "hq_country",
                "Unknown country; use the ISO two-letter code, e.g. CH.",
                raw["hq_country"],
            )

        status = raw["status"].lower()
        if status and status not in STATUSES:
            fail("status", f"Unknown status; use one of: {', '.join(sorted(STATUSES))}.", status)

        state = raw["state"].lower() or VerificationState.COMPILED
        if state not in VerificationState.values:
            fail(
                "state",
                f"Unknown state; use one of: {', '.join(VerificationState.values)}.",
                raw["state"],
            )
        verified_on = None
        if raw["state_on"]:
            try:
                verified_on = datetime.date.fromisoformat(raw["state_on"][:10])
                if len(raw["state_on"]) > 10 and "T" not in raw["state_on"]:
                    raise ValueError
            except ValueError:
                fail(
                    "state_on",
                    "Not a date; write it as YYYY-MM-DD, e.g. 2026-03-31.",
                    raw["state_on"],
                )
        if state != VerificationState.COMPILED and not raw["state_on"]:
            fail("state_on", f"A {state} record needs the date it was {state}.")

        synthetic = raw["is_synthetic"].lower()
        if synthetic not in YES | NO:
            fail("is_synthetic", "Write yes or no.", synthetic)

        types = self._slugs("types", raw["types"], fail)
        industries = self._slugs("industries", raw["industries"], fail)
        modalities = self._slugs("modalities", raw["modalities"], fail)
        sites = self._sites(raw["sites"], fail)
        services = self._services(raw["services"], sites, fail)
        evidence = self._evidence(raw["evidence"], services, sites, fail)

        if errors:
            return None, errors
        return ProviderRecord(
            slug=slug,
            name=raw["name"],
            types=types,
            hq_country=hq_country,
            website=website,
            summary=raw["summary"],
            industries=industries,
            modalities=modalities,
            services=services,
            sites=sites,
            status=status,
            state=state,
            state_on=verified_on,
            source=raw["source"],
            evidence=evidence,
            is_synthetic=synthetic in YES,
        ), errors

    def _country(self, value: str) -> str:
        if len(value) == 2 and value.upper() in countries:
            return value.upper()
        return COUNTRY_NAMES.get(value.lower(), "")

    def _slugs(self, name: str, cell: str, fail) -> frozenset[str]:
        aliases, found, unknown = self.lookup.aliases[name], set(), []
        for item in items(cell):
            slug = aliases.get(unescape_text(item).lower())
            if slug:
                found.add(slug)
            else:
                unknown.append(item)
        if unknown:
            known = ", ".join(sorted(getattr(self.lookup, name)))
            fail(name, f"Unknown {name}: {', '.join(unknown)}. Known: {known}.", cell)
        return frozenset(found)

    def _phase(self, text: str) -> int | None:
        position = self.lookup.aliases["phases"].get(text.strip().lower())
        return int(position) if position else None

    def _services(self, cell: str, sites, fail) -> frozenset[ServiceEntry]:
        entries: dict[str, ServiceEntry] = {}
        site_names = {site.key: site.name for site in sites}
        for item in items(cell):
            main, *rest = split_escaped(item, "|")
            if len(rest) > len(SERVICE_PARTS):
                fail(
                    "services",
                    f"'{item[:60]}': write a service as 'capability: first-phase to last-phase"
                    " | note | modalities | dosage forms | sites' (the parts after the phases "
                    "may be left out).",
                    item,
                )
                continue
            rest += [""] * (len(SERVICE_PARTS) - len(rest))
            note = unescape_text(rest[0])
            capability_text, colon, phases_text = main.partition(":")
            slug = self.lookup.aliases["capabilities"].get(capability_text.strip().lower())
            if not colon or not phases_text.strip():
                fail(
                    "services",
                    f"'{item}': write a service as 'capability: first-phase to last-phase'.",
                    item,
                )
                continue
            if not slug:
                fail("services", f"Unknown capability '{capability_text.strip()}'.", item)
                continue
            first_text, _, last_text = phases_text.partition(" to ")
            first, last = self._phase(first_text), self._phase(last_text or first_text)
            if first is None or last is None:
                bad = first_text if first is None else last_text
                known = ", ".join(phase.slug for phase in self.lookup.phases.values())
                fail("services", f"Unknown phase '{bad.strip()}'. Known: {known}.", item)
                continue
            capability = self.lookup.capabilities[slug]
            phases = self.lookup.phases
            off_track = [
                phases[position]
                for position in (first, last)
                if phases[position].track_id != capability.track_id
            ]
            if off_track:
                on_track = ", ".join(
                    phase.slug for phase in phases.values() if phase.track_id == capability.track_id
                )
                fail(
                    "services",
                    f"'{item}': {capability.name} is on the {capability.track.name} track, "
                    f"and {off_track[0].slug} is not; its track's phases are: {on_track}.",
                    item,
                )
            elif first > last:
                fail("services", f"'{item}': the last phase comes before the first.", item)
            elif not capability.allows(first, last):
                fail(
                    "services",
                    f"'{item}': {capability.name} applies only from "
                    f"{phases[capability.first_phase_id].slug} to "
                    f"{phases[capability.last_phase_id].slug}.",
                    item,
                )
            elif slug in entries:
                fail("services", f"The capability '{slug}' is listed twice.", item)
            elif len(note) > NOTE_MAX:
                fail("services", f"The note of '{slug}' is longer than {NOTE_MAX} characters.")
            else:
                parts = self._service_parts(slug, rest[1:], site_names)
                if isinstance(parts, str):
                    fail("services", f"'{slug}': {parts}", item)
                else:
                    entries[slug] = ServiceEntry(first, last, slug, note, *parts)
        return frozenset(entries.values())

    def _service_parts(self, capability: str, parts: list[str], site_names: dict[str, str]):
        """A service's modalities, dosage forms and site names (canonical tuples), or the
        first problem with them in words."""
        modalities_text, forms_text, sites_text = parts
        found: dict[str, set[str]] = {"modalities": set(), "dosage_forms": set()}
        for name, text, what in (
            ("modalities", modalities_text, "modality"),
            ("dosage_forms", forms_text, "dosage form"),
        ):
            aliases, unknown = self.lookup.aliases[name], []
            for value in _list_part(text):
                slug = aliases.get(value.lower())
                if slug:
                    found[name].add(slug)
                else:
                    unknown.append(value)
            if unknown:
                known = ", ".join(self.lookup.ordered(name, getattr(self.lookup, name)))
                return f"unknown {what} {', '.join(unknown)}. Known: {known}."
        allowed = self.lookup.capability_forms.get(capability, frozenset())
        refused = sorted(found["dosage_forms"] - allowed)
        if refused:
            name = self.lookup.capabilities[capability].name
            if not allowed:
                return f"{name} has no dosage forms; leave out {', '.join(refused)}."
            listed = ", ".join(self.lookup.ordered("dosage_forms", allowed))
            return (
                f"{name} does not list the dosage form {', '.join(refused)}; "
                f"its dosage forms are: {listed}."
            )
        chosen, unknown = set(), []
        for value in _list_part(sites_text):
            if value.lower() in site_names:
                chosen.add(site_names[value.lower()])
            else:
                unknown.append(value)
        if unknown:
            return (
                f"the site {', '.join(unknown)} is not in this row's sites cell; a service is "
                "done at sites of its own provider, named as in the sites cell."
            )
        return (
            tuple(self.lookup.ordered("modalities", found["modalities"])),
            tuple(self.lookup.ordered("dosage_forms", found["dosage_forms"])),
            site_names_order(chosen),
        )

    def _evidence(self, cell: str, services, sites, fail) -> frozenset[EvidenceEntry]:
        """Evidence items, each naming a claim of this same row."""
        from django.core.exceptions import ValidationError
        from django.core.validators import URLValidator

        claims = {PROFILE_CLAIM: PROFILE_CLAIM}
        claims |= {service_claim(e.capability): service_claim(e.capability) for e in services}
        for site in sites:
            claims[site_claim(site.name).lower()] = site_claim(site.name)
            for slug in site.certifications:
                claims[certification_claim(slug, site.name).lower()] = certification_claim(
                    slug, site.name
                )
            for identity in site.identities:
                claims[identity_claim(*identity).lower()] = identity_claim(*identity)
        entries = set()
        for item in items(cell):
            parts = [unescape_text(part) for part in split_escaped(item, "|")]
            if len(parts) not in (5, 6):
                fail(
                    "evidence",
                    f"'{item[:60]}': write an evidence item as "
                    "'claim | kind | seen-on | url | title | quote' (the quote may be left out).",
                    item,
                )
                continue
            claim_text, kind, seen_text, url, title = parts[:5]
            quote = parts[5] if len(parts) == 6 else ""
            claim = self._claim(claim_text, claims)
            problem = ""
            seen_on = None
            try:
                seen_on = datetime.date.fromisoformat(seen_text)
            except ValueError:
                problem = f"the date seen '{seen_text}' is not a date (YYYY-MM-DD)"
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                problem = problem or f"'{url[:60]}' is not a web address (http or https)"
            if claim is None:
                problem = (
                    f"the claim '{claim_text[:60]}' is not in this row: name 'profile', "
                    "'service: capability', 'site: site name', "
                    "'certification: slug @ site name', 'identity: scheme value' or "
                    "'inspection: authority date-or-FDA-ID @ site name' of a service, site "
                    "or identity in this row"
                )
            elif kind not in EvidenceKind.values:
                problem = f"unknown kind '{kind}'; use one of: {', '.join(EvidenceKind.values)}"
            elif not title:
                problem = "the item has no title"
            elif len(url) > MAX_EVIDENCE_URL or len(title) > 200 or len(quote) > MAX_QUOTE:
                problem = (
                    f"too long: a URL is at most {MAX_EVIDENCE_URL} characters, a title 200 "
                    f"and a quote {MAX_QUOTE}"
                )
            if problem:
                fail("evidence", f"'{item[:60]}': {problem}.", item)
                continue
            entries.add(EvidenceEntry(claim, kind, seen_on, url, title, quote))
        return frozenset(entries)

    def _claim(self, text: str, claims: dict[str, str]) -> str | None:
        kind, colon, rest = text.partition(":")
        kind = kind.strip().lower()
        if not colon:
            return claims.get(kind)
        if kind == "service":
            slug = self.lookup.aliases["capabilities"].get(rest.strip().lower(), rest.strip())
            return claims.get(service_claim(slug))
        if kind == "site":
            return claims.get(site_claim(rest.strip()).lower())
        if kind == "certification":
            cert, at, site = rest.partition("@")
            slug = self.lookup.aliases["certifications"].get(cert.strip().lower(), cert.strip())
            return claims.get(certification_claim(slug, site.strip()).lower()) if at else None
        if kind == "identity":
            return claims.get(_identity_claim_key(rest))
        if kind == "inspection":
            return _inspection_claim(rest, claims)
        return None

    def _sites(self, cell: str, fail) -> frozenset[SiteEntry]:
        entries: dict[str, SiteEntry] = {}
        for item in items(cell):
            parts = split_escaped(item, "|")
            if len(parts) not in (3, 4, 5):
                fail(
                    "sites",
                    f"'{item}': write a site as 'name | city | country | certifications' "
                    "(then '| identities', if any).",
                    item,
                )
                continue
            name, city = unescape_text(parts[0]), unescape_text(parts[1])
            country = self._country(parts[2].strip())
            certifications, unknown = [], []
            identities, identity_problem = _identities(parts[4]) if len(parts) == 5 else ((), None)
            for text in parts[3].split(",") if len(parts) >= 4 else []:
                if not text.strip():
                    continue
                slug = self.lookup.aliases["certifications"].get(unescape_text(text).lower())
                if slug:
                    certifications.append(slug)
                else:
                    unknown.append(text.strip())
            if not name:
                fail("sites", f"'{item}': the site has no name.", item)
            elif len(name) > SITE_NAME_MAX or len(city) > CITY_MAX:
                fail(
                    "sites",
                    f"'{name[:40]}': a site name is at most {SITE_NAME_MAX} characters and a "
                    f"city at most {CITY_MAX}.",
                    item,
                )
            elif not country:
                fail("sites", f"'{name}': unknown country '{parts[2].strip()}'.", item)
            elif unknown:
                known = ", ".join(sorted(self.lookup.certifications))
                fail(
                    "sites",
                    f"'{name}': unknown certification(s) {', '.join(unknown)}. Known: {known}.",
                    item,
                )
            elif identity_problem:
                fail("sites", f"'{name}': {identity_problem}", item)
            elif name.lower() in entries:
                fail("sites", f"The site '{name}' is listed twice.", item)
            else:
                certs = tuple(self.lookup.ordered("certifications", set(certifications)))
                entries[name.lower()] = SiteEntry(country, city, name, certs, identities)
        return frozenset(entries.values())


def _identity_claim_key(text: str) -> str:
    """The looked-up form of ``scheme value`` after ``identity:``: as written (ignoring
    case), and FEI and DUNS numbers written with dashes or spaces as the same number."""
    text = " ".join(text.split())
    scheme, _, value = text.partition(" ")
    if scheme.lower() in DIGIT_SCHEMES:
        return identity_claim(scheme.lower(), "", normalise_identifier(scheme.lower(), value))
    return f"identity: {text}".lower()


INSPECTION_NAMED = re.compile(
    r"^(?P<authority>[a-z]+) (?P<named>[0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2})$"
)


def _inspection_claim(text: str, claims: dict[str, str]) -> str | None:
    """``authority date-or-FDA-ID @ site`` after ``inspection:``, for a site of the row.
    Whether the directory holds that inspection is checked when the row is matched."""
    named, at, site = text.partition("@")
    found = INSPECTION_NAMED.match(" ".join(named.split()).lower())
    site_name = claims.get(site_claim(site.strip()).lower())
    if not at or not found or site_name is None or found["authority"] not in Authority.values:
        return None
    if "-" in found["named"]:
        try:
            day = datetime.date.fromisoformat(found["named"])
        except ValueError:
            return None
        return inspection_claim(found["authority"], day, None, site_name.partition(": ")[2])
    return inspection_claim(
        found["authority"], None, int(found["named"]), site_name.partition(": ")[2]
    )


# The parts of a service item after its phases.
SERVICE_PARTS = ("note", "modalities", "dosage forms", "sites")


def _list_part(text: str) -> list[str]:
    """The values of a comma-separated part, unescaped, empty ones left out."""
    return [value for value in (unescape_text(v) for v in split_escaped(text, ",")) if value]


def _identities(cell: str) -> tuple[tuple, str | None]:
    """A site's identities from ``scheme: value, ...`` (sorted), or the first problem."""
    found: set[tuple[str, str, str]] = set()
    for item in split_escaped(cell, ","):
        if not item.strip():
            continue
        label, *rest = split_escaped(item, ":")
        if not rest:
            return (), f"write an identity as 'scheme: value', not '{unescape_text(item)}'."
        value_text = unescape_text(":".join(rest))
        label = unescape_text(label)
        scheme_name = ""
        if label.lower().startswith("other") and label.endswith(")") and "(" in label:
            scheme, scheme_name = "other", " ".join(label[label.index("(") + 1 : -1].split())
            if not scheme_name or len(scheme_name) > IDENTITY_SCHEME_NAME_MAX:
                return (
                    (),
                    "name the other scheme in brackets, at most "
                    f"{IDENTITY_SCHEME_NAME_MAX} characters.",
                )
        else:
            scheme = label.lower()
            if scheme not in IdentityScheme.values or scheme == IdentityScheme.OTHER:
                known = ", ".join(v for v in IdentityScheme.values if v != IdentityScheme.OTHER)
                return (), f"unknown identity scheme '{label}'; use {known} or 'other (name)'."
        value = normalise_identifier(scheme, value_text)
        problem = identifier_problem(scheme, value)
        if problem:
            return (), problem
        key = (scheme, scheme_name.lower(), value.upper())
        if any((s, n.lower(), v.upper()) == key for s, n, v in found):
            return (), f"the identity '{label}: {value}' is listed twice."
        found.add((scheme, scheme_name, value))
    return tuple(sorted(found)), None


def new_slug(name: str, taken) -> str:
    """A slug for a new provider from its name, not in ``taken`` (a set or callable)."""
    base = slugify(name).replace("_", "-")
    base = re.sub(r"-+", "-", base).strip("-")[:180] or "provider"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug
