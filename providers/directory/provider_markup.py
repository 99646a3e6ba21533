"""The provider page's markup: its profile, coverage tables, sites and similar providers.

Through template loops and includes this page spent more CPU in the template engine than in
everything else (a few hundred variable lookups and tag renders for a provider with a
dozen services and sites). The page is built here instead, with ``format_html`` and
``format_html_join`` (escaping by construction: every value is escaped unless it is
already safe markup built the same way); ``templates/directory/detail.html`` keeps the
page's frame (title, description, the watch form) and places the two parts.

What depends on the catalogue only (each track's table head) is built once per catalogue
and kept in its ``html_cache``.
"""

import datetime

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from lifecycle.coverage import coverage_label, range_label
from providers.directory.cards import country_name
from providers.directory.escaping import format_html, format_html_join
from providers.directory.index import DirectoryCatalogue
from providers.directory.loading import ProviderPage
from providers.directory.markup import join_html, strip_html
from providers.evidence import EvidenceKind, state_summary
from providers.regulatory import site_identities, site_inspections

NONE_RECORDED = "None recorded"
KIND_NAMES = {kind: str(label) for kind, label in EvidenceKind.choices}
# Fixed literals (nothing interpolated), safe as written.
SERVED_CELL = mark_safe('<td class="on"><span aria-hidden="true">●</span></td>')
EMPTY_CELL = mark_safe("<td></td>")
NO_EVIDENCE = format_html('<p class="evidence none muted">{}</p>', "No evidence recorded.")
EVIDENCE_ITEM = (
    '<li><a href="{}" rel="noopener noreferrer external">{}</a> '
    '<span class="muted">{}, seen {}</span>{}</li>'
)


def evidence_html(items: list) -> SafeString:
    """Evidence items ([url, kind, title, seen on (ISO date), quote]) as a list a buyer can
    follow; a claim without any says so."""
    if not items:
        return NO_EVIDENCE
    return format_html(
        '<ul class="evidence">{}</ul>',
        format_html_join(
            "",
            EVIDENCE_ITEM,
            (
                (
                    url,
                    title,
                    KIND_NAMES.get(kind, kind),
                    f"{seen.day} {seen:%b %Y}",
                    format_html(" <q>{}</q>", quote) if quote else "",
                )
                for url, kind, title, seen_text, quote in items
                for seen in [datetime.date.fromisoformat(seen_text)]
            ),
        ),
    )


def _names(rows) -> str:
    """'A, B, C', or that none is recorded."""
    return ", ".join(row.name for row in rows) or NONE_RECORDED


def head_html(
    provider: ProviderPage,
    catalogue: DirectoryCatalogue,
    shortlist_button: SafeString,
    today: datetime.date,
) -> SafeString:
    """From the article's start to the facts (the watch form follows them)."""
    types = [catalogue.types[pk] for pk in provider.type_ids if pk in catalogue.types]
    modalities = [
        catalogue.modalities[pk] for pk in provider.modality_ids if pk in catalogue.modalities
    ]
    industries = [
        catalogue.industries[pk] for pk in provider.industry_ids if pk in catalogue.industries
    ]
    state_text, state_warning = state_summary(provider.state, provider.state_on, today)
    source = ""
    if provider.source:
        shown = (
            format_html(
                '<a href="{}" rel="noopener noreferrer external">{}</a>',
                provider.source,
                provider.source,
            )
            if provider.source[:4] == "http"
            else provider.source
        )
        source = format_html("<dt>Compiled from</dt><dd>{}</dd>", shown)
    return format_html(
        '<article class="provider">\n'
        '  <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="{}">Directory</a> '
        "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
        '<span aria-current="page">{}</span></nav>\n'
        '  <div class="result-head">\n'
        "    <h1>{}</h1>\n"
        "    {}\n"
        "  </div>\n"
        '  <p class="meta">{} <span>Headquarters: {}</span></p>\n'
        "  {}\n"
        '  <dl class="facts">\n'
        "    {}\n"
        "    <dt>Modalities</dt><dd>{}</dd>\n"
        "    <dt>Industries served</dt><dd>{}</dd>\n"
        '    <dt>Record</dt><dd><span class="state state-{}">{}</span>{}{}</dd>\n'
        "    <dt>Backed by evidence</dt><dd>{} of {} claim{}</dd>\n"
        "    {}\n"
        "    <dt>Evidence for this profile</dt><dd>{}</dd>\n"
        "  </dl>",
        reverse("providers:directory"),
        provider.name,
        provider.name,
        shortlist_button,
        format_html_join(
            "", '<abbr class="tag" title="{}">{}</abbr>', ((t.name, t.code) for t in types)
        ),
        country_name(provider.hq_country, catalogue),
        format_html('<p class="lede">{}</p>', provider.summary) if provider.summary else "",
        format_html(
            '<dt>Website</dt><dd><a href="{}" rel="noopener noreferrer external">{}</a></dd>',
            provider.website,
            provider.website,
        )
        if provider.website
        else "",
        _names(modalities),
        _names(industries),
        provider.state,
        state_text,
        format_html(' <span class="muted">({})</span>', date_format(provider.state_on, "j F Y"))
        if provider.state_on
        else "",
        format_html(' <strong class="age-warning">{}</strong>', state_warning)
        if state_warning
        else "",
        provider.backed_claim_count,
        provider.claim_count,
        "" if provider.claim_count == 1 else "s",
        source,
        evidence_html(provider.evidence),
    )


def body_html(
    provider: ProviderPage,
    catalogue: DirectoryCatalogue,
    similar_cards: SafeString,
    similar_slugs: list[str],
) -> SafeString:
    """From the claim link to the article's end: coverage, sites, similar providers."""
    label = coverage_label(provider.phase_positions, catalogue.phase_by_position)
    if similar_cards:
        compare = (
            reverse("providers:compare") + "?" + "&".join(f"p={slug}" for slug in similar_slugs)
        )
        similar = format_html(
            '<ul class="results">{}</ul>\n'
            '    <p><a href="{}">Compare {} with the first {} of them</a></p>',
            similar_cards,
            compare,
            provider.name,
            len(similar_slugs) - 1,
        )
    else:
        similar = mark_safe("<p>None found.</p>")
    return format_html(
        '  <p class="claim-link">Work for {}? <a href="{}">Claim this profile</a> to propose '
        "corrections and confirm the record.</p>\n"
        "\n"
        '  <section aria-labelledby="coverage-heading">\n'
        '    <h2 id="coverage-heading">Lifecycle coverage</h2>\n'
        "    <p>{}.</p>\n"
        "    {}\n"
        "    {}\n"
        "  </section>\n"
        "\n"
        '  <section aria-labelledby="sites-heading">\n'
        '    <h2 id="sites-heading">Sites</h2>\n'
        "    {}\n"
        "  </section>\n"
        "\n"
        '  <section aria-labelledby="similar-heading">\n'
        '    <h2 id="similar-heading">Similar providers</h2>\n'
        '    <p class="hint">Same type, overlapping coverage, most shared capabilities '
        "first.</p>\n"
        "    {}\n"
        "  </section>\n"
        "</article>",
        provider.name,
        reverse("accounts:claim", args=[provider.slug]),
        label,
        strip_html(tuple(provider.phase_positions), label, catalogue),
        coverage_tables_html(provider, catalogue),
        sites_html(provider, catalogue),
        similar,
    )


# ------------------------------------------------------------------ coverage


def coverage_tables_html(provider: ProviderPage, catalogue: DirectoryCatalogue) -> SafeString:
    """One services-by-phase table per track the provider has services on, each row a
    service (grouped by category, then by first phase)."""
    capabilities, categories = catalogue.capabilities, catalogue.categories
    rows_by_track: dict[int, list[dict]] = {}
    for capability_id, first, last, note, evidence in sorted(
        [service for service in provider.services if service[0] in capabilities],
        key=lambda s: (categories[capabilities[s[0]].category_id].position, s[1], s[0]),
    ):
        capability = capabilities[capability_id]
        rows_by_track.setdefault(capability.track_id, []).append(
            {
                "capability": capability,
                "category": categories[capability.category_id],
                "first": first,
                "last": last,
                "range": range_label(first, last, catalogue.phase_by_position),
                "note": note,
                "evidence_html": evidence_html(evidence),
            }
        )
    if not rows_by_track:
        return mark_safe("<p>No services recorded yet.</p>")
    tables = [
        (track, rows_by_track[track.pk]) for track in catalogue.tracks if track.pk in rows_by_track
    ]
    several = len(tables) > 1
    parts = []
    for track, rows in tables:
        phases = _track_phases(track.pk, catalogue)
        for row in rows:
            row["cells"] = _cells(track.pk, row["first"], row["last"], catalogue)
        parts.append(
            format_html(
                '<div class="table-scroll" tabindex="0" role="region" '
                'aria-label="Services by phase{}">\n'
                '    <table class="coverage-map">\n'
                "      <caption>Services by phase{}</caption>\n"
                "      {}\n"
                "      <tbody>{}\n"
                "      </tbody>\n"
                "    </table>\n"
                "    </div>",
                format_html(": {}", track.name) if several else "",
                format_html(": {}", track.name) if several or track.position > 1 else "",
                _table_head(track.pk, catalogue),
                _coverage_rows(track.pk, rows, len(phases)),
            )
        )
    return join_html(_between(parts, "\n    "))


def _coverage_rows(track_id: int, rows: list[dict], phase_count: int) -> SafeString:
    """Body rows of one track's services-by-phase table, grouped by category."""
    parts = []
    category = None
    for row in rows:
        if row["category"] is not category:
            category = row["category"]
            parts.append(
                format_html(
                    '<tr class="group-row"><th scope="rowgroup" colspan="{}">{}</th></tr>',
                    phase_count + 1,
                    category.name,
                )
            )
        note = format_html('<br><span class="muted">{}</span>', row["note"]) if row["note"] else ""
        parts.append(
            format_html(
                '<tr><th scope="row">{}<span class="visually-hidden">: {}</span>{}{}</th>{}</tr>',
                row["capability"].name,
                row["range"],
                note,
                row["evidence_html"],
                row["cells"],
            )
        )
    return join_html(parts)


def _cells(track_id: int, first: int, last: int, catalogue: DirectoryCatalogue) -> SafeString:
    """A service's cells, one per phase of its track, marked from ``first`` to ``last``:
    few distinct ranges, each built once per catalogue."""
    key = ("provider-cells", track_id, first, last)
    found = catalogue.html_cache.get(key)
    if found is None:
        found = catalogue.html_cache[key] = join_html(
            SERVED_CELL if first <= phase.position <= last else EMPTY_CELL
            for phase in _track_phases(track_id, catalogue)
        )
    return found


def _track_phases(track_id: int, catalogue: DirectoryCatalogue) -> list:
    key = ("provider-track-phases", track_id)
    found = catalogue.html_cache.get(key)
    if found is None:
        found = catalogue.html_cache[key] = [
            phase for phase in catalogue.phases if phase.track_id == track_id
        ]
    return found


def _table_head(track_id: int, catalogue: DirectoryCatalogue) -> SafeString:
    """A track's services-by-phase table head: the same for every provider."""
    key = ("provider-table-head", track_id)
    found = catalogue.html_cache.get(key)
    if found is None:
        found = catalogue.html_cache[key] = format_html(
            '<thead>\n        <tr><th scope="col">Capability</th>{}</tr>\n      </thead>',
            format_html_join(
                "",
                '<th scope="col" class="stage-{}"><abbr title="{}">{}</abbr></th>',
                (
                    (phase.stage.slug, phase.name, phase.short_name)
                    for phase in _track_phases(track_id, catalogue)
                ),
            ),
        )
    return found


def _between(parts: list, separator: str) -> list:
    """``parts`` with the (safe, literal) ``separator`` between each two."""
    joined = []
    for part in parts:
        if joined:
            joined.append(mark_safe(separator))
        joined.append(part)
    return joined


# ------------------------------------------------------------------ sites


INSPECTIONS_HEAD = mark_safe(
    '<thead><tr><th scope="col">Ended</th><th scope="col">Authority</th>'
    '<th scope="col">Outcome</th><th scope="col">Scope</th><th scope="col">Record</th>'
    '<th scope="col">Evidence</th></tr></thead>'
)


def sites_html(provider: ProviderPage, catalogue: DirectoryCatalogue) -> SafeString:
    """The provider's sites with what each holds: certifications, regulator identities,
    inspections (newest first), each with its evidence."""
    if not provider.sites:
        return mark_safe("<p>No sites recorded.</p>")
    return format_html(
        '<ul class="sites">\n      {}\n    </ul>',
        join_html(_between([_site_html(site, catalogue) for site in provider.sites], "\n      ")),
    )


def _site_html(site: list, catalogue: DirectoryCatalogue) -> SafeString:
    (
        name,
        city,
        country,
        certification_ids,
        identities,
        inspections,
        evidence,
        certification_evidence,
    ) = site
    country = country_name(country, catalogue)
    shown_city = ""
    if city and city.lower() != name.lower() and city.lower() != country.lower():
        shown_city = format_html("{}, ", city)
    certifications = ""
    if any(pk in catalogue.certifications for pk in certification_ids):
        certifications = format_html(
            '<span class="muted">Holds:</span>\n        <ul class="site-certifications">{}</ul>',
            format_html_join(
                "",
                '<li><span class="tag">{}</span>{}</li>',
                (
                    (
                        catalogue.certifications[pk].name,
                        evidence_html(certification_evidence.get(str(pk), [])),
                    )
                    for pk in certification_ids
                    if pk in catalogue.certifications
                ),
            ),
        )
    identities_part = ""
    if identities:
        identities_part = format_html(
            '<span class="muted">Regulator identities:</span>\n'
            '        <ul class="site-identities">{}</ul>',
            format_html_join(
                "",
                '<li><span class="identity">{} <code>{}</code></span>{}</li>',
                (
                    (identity["label"], identity["value"], evidence_html(identity["evidence"]))
                    for identity in site_identities(identities)
                ),
            ),
        )
    inspections_part = ""
    if inspections:
        inspections_part = format_html(
            '<div class="table-scroll" tabindex="0" role="region" aria-label="Inspections of {}">\n'
            '        <table class="inspections">\n'
            "          <caption>Inspections of {}, newest first</caption>\n"
            "          {}\n"
            "          <tbody>\n"
            "          {}\n"
            "          </tbody>\n"
            "        </table>\n"
            "        </div>",
            name,
            name,
            INSPECTIONS_HEAD,
            join_html(
                _between(
                    [_inspection_html(row) for row in site_inspections(inspections)],
                    "\n          ",
                )
            ),
        )
    return format_html(
        "<li><strong>{}</strong>, {}{}\n"
        "        {}\n"
        "        {}\n"
        "        {}\n"
        "        {}\n"
        "      </li>",
        name,
        shown_city,
        country,
        evidence_html(evidence),
        certifications,
        identities_part,
        inspections_part,
    )


def _inspection_html(inspection: dict) -> SafeString:
    if inspection["source_url"]:
        record = format_html(
            '<a href="{}" rel="noopener noreferrer external">Record</a>', inspection["source_url"]
        )
    elif inspection["fda_inspection_id"]:
        record = format_html("FDA inspection {}", inspection["fda_inspection_id"])
    else:
        record = "-"
    end_date = inspection["end_date"]
    return format_html(
        "<tr{}>\n"
        '              <td><time datetime="{}">{}</time></td>\n'
        "              <td>{}{}</td>\n"
        "              <td>{}{}{}</td>\n"
        "              <td>{}</td>\n"
        "              <td>{}</td>\n"
        "              <td>{}</td>\n"
        "            </tr>",
        mark_safe(' class="adverse"') if inspection["adverse"] else "",
        date_format(end_date, "Y-m-d"),
        date_format(end_date, "j M Y"),
        inspection["authority"],
        format_html(" ({})", inspection["authority_name"]) if inspection["authority_name"] else "",
        inspection["outcome"],
        "; warning letter" if inspection["warning_letter"] else "",
        "; citations posted" if inspection["citations_posted"] else "",
        inspection["scope"] or "-",
        record,
        evidence_html(inspection["evidence"]),
    )
