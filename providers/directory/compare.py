"""Compare 2 to 4 published providers side by side, one row per fact, differences marked."""

import re

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lifecycle.coverage import coverage_label, range_label, tracks_served
from providers.directory import shortlist
from providers.directory.index import get_index
from providers.directory.loading import card_rows
from providers.directory.query import printable
from providers.evidence import state_line
from providers.models import Provider
from providers.places import place_label

MAX_COMPARE = 4
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@require_GET
def compare(request):
    index = get_index()
    catalogue = index.catalogue
    slugs: list[str] = []
    for slug in request.GET.getlist("p")[:50]:
        slug = slug.strip()[:200]
        if slug and slug not in slugs:
            slugs.append(slug)
    valid = [slug for slug in slugs if SLUG.fullmatch(slug)]
    found = {
        provider.slug: provider
        for provider in Provider.objects.published().filter(slug__in=valid).with_parts()
    }
    missing = [slug for slug in slugs if slug not in found]
    available = [found[slug] for slug in slugs if slug in found]
    chosen = available[:MAX_COMPARE]
    notices = []
    if missing:
        shown = ", ".join(f"“{printable(slug)[:60]}”" for slug in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        notices.append(f"Not shown, because no published provider has that address: {shown}{more}.")
    if len(available) > MAX_COMPARE:
        left_out = ", ".join(provider.name for provider in available[MAX_COMPARE:])
        notices.append(f"Only {MAX_COMPARE} providers are compared at once; left out: {left_out}.")
    context = {
        "providers": chosen,
        "notices": notices,
        "table": None,
        "columns": [
            (provider, "&".join(f"p={other.slug}" for other in chosen if other is not provider))
            for provider in chosen
        ],
    }
    if len(chosen) >= 2:
        context["table"] = _comparison(chosen, catalogue)
    else:
        if slugs:
            notices.append("Choose at least two providers to compare.")
        # Offer the shortlist to pick from.
        context["candidates"] = card_rows(shortlist.ids(request))
        context["chosen_slugs"] = {provider.slug for provider in chosen}
    return render(request, "directory/compare.html", context)


def _comparison(providers: list[Provider], catalogue) -> list[dict]:
    today = timezone.localdate()
    """Sections of rows; each row has one cell per provider and says whether they differ."""

    def row(label, values, *, check=False):
        return {
            "label": label,
            "cells": values,
            "differs": len({str(v) for v in values}) > 1,
            "check": check,
        }

    sections = []
    sections.append(
        {
            "title": "Overview",
            "rows": [
                row(
                    "Types",
                    [", ".join(catalogue.types[pk].code for pk in p.type_ids) for p in providers],
                ),
                row("Headquarters", [p.hq_country.name for p in providers]),
                row(
                    "Coverage",
                    [
                        coverage_label(p.phase_positions, catalogue.phase_by_position)
                        for p in providers
                    ],
                ),
                row(
                    "Record",
                    [state_line(p.state, p.state_on, today) for p in providers],
                ),
                row(
                    "Claims with evidence",
                    [f"{p.backed_claim_count} of {p.claim_count}" for p in providers],
                ),
            ],
        }
    )
    # Each track any of them works on, with its own phases and services (the first track
    # when none has services yet); titles name the track once there is more than one.
    served = set().union(
        *(tracks_served(p.phase_positions, catalogue.phase_by_position) for p in providers)
    )
    tracks = [track for track in catalogue.tracks if track.pk in served] or catalogue.tracks[:1]
    services = {p.pk: {s.capability_id: s for s in p.services.all()} for p in providers}
    for track in tracks:
        suffix = f": {track.name}" if len(tracks) > 1 or track != catalogue.tracks[0] else ""
        sections.append(
            {
                "title": f"Lifecycle coverage by phase{suffix}",
                "rows": [
                    row(
                        phase.name,
                        [phase.position in p.phase_positions for p in providers],
                        check=True,
                    )
                    for phase in catalogue.phases
                    if phase.track_id == track.pk
                ],
            }
        )
        used = [
            pk
            for pk, capability in catalogue.capabilities.items()
            if capability.track_id == track.pk and any(pk in services[p.pk] for p in providers)
        ]
        capability_rows = []
        for pk in used:
            cells = []
            for p in providers:
                service = services[p.pk].get(pk)
                cells.append(
                    range_label(
                        service.first_phase_id, service.last_phase_id, catalogue.phase_by_position
                    )
                    if service
                    else ""
                )
            capability_rows.append(row(catalogue.capabilities[pk].name, cells))
        if capability_rows:
            sections.append(
                {"title": f"Capabilities (phases served){suffix}", "rows": capability_rows}
            )
    modality_pks = [
        pk for pk in catalogue.modalities if any(pk in p.modality_ids for p in providers)
    ]
    sections.append(
        {
            "title": "Modalities",
            "rows": [
                row(
                    catalogue.modalities[pk].name,
                    [pk in p.modality_ids for p in providers],
                    check=True,
                )
                for pk in modality_pks
            ],
        }
    )
    sections.append(
        {
            "title": "Sites and certifications",
            "rows": [
                row(
                    "Sites",
                    [
                        "; ".join(
                            place_label(s.city or s.name, s.country.name) for s in p.sites.all()
                        )
                        or "none recorded"
                        for p in providers
                    ],
                ),
                *[
                    row(cert.name, [pk in p.certification_ids for p in providers], check=True)
                    for pk, cert in catalogue.certifications.items()
                    if any(pk in p.certification_ids for p in providers)
                ],
            ],
        }
    )
    return sections
