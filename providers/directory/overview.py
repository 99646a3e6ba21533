"""Pages that explain the lifecycle and count providers in it: home and the lifecycle explorer."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from providers.directory.index import get_index

# What each type of provider typically does in a stage of a track, in plain words:
# (track slug, stage slug) -> type slug -> note. A type without a note seldom works there.
TYPE_NOTES = {
    ("pharma", "discovery"): {
        "cro": "Discovery biology and chemistry, animal models, and the GLP safety studies "
        "a first-in-human trial needs.",
        "crdmo": "Discovery chemistry and biology that hand the molecule straight on to its "
        "own development team.",
        "cdmo": "Some make the first batches for toxicology studies; a few discover molecules.",
        "testing-laboratory": "Early analytical methods and characterisation.",
    },
    ("pharma", "development"): {
        "cro": "Plans and runs the clinical trials, and the bioanalysis and data work behind them.",
        "cdmo": "Develops the process and methods and makes the clinical supplies.",
        "crdmo": "Develops and makes the drug substance and product for the trials.",
        "cmo": "Occasionally makes late-stage clinical batches on commercial lines.",
        "testing-laboratory": "Release and stability testing of clinical batches.",
        "clinical-supply": "Packs, labels, stores and ships the trial medicines.",
        "smo": "Runs the trial sites: investigators, nurses and patients.",
    },
    ("pharma", "delivery"): {
        "cro": "Post-approval studies, real-world evidence and safety monitoring.",
        "cdmo": "Transfers its process to commercial scale and supplies the market.",
        "crdmo": "Commercial manufacture of what it developed.",
        "cmo": "Makes approved products at volume and keeps supply going.",
        "testing-laboratory": "Routine release testing and stability for marketed batches.",
    },
    ("crop-protection", "discovery"): {
        "cro": "Screening candidates on weeds, fungi and insects, and early profiling.",
        "crdmo": "Discovery chemistry for crop-protection companies.",
        "cdmo": "Makes candidate molecules and early samples.",
    },
    ("crop-protection", "development"): {
        "cro": "GLP regulatory studies, field trials and the registration dossier.",
        "testing-laboratory": "Physical-chemical, 5-batch and residue analysis.",
        "cdmo": "Scales the route and makes material for studies and trials.",
        "crdmo": "Process development and the first technical batches.",
    },
    ("crop-protection", "delivery"): {
        "cdmo": "Custom synthesis of the technical active and its intermediates.",
        "cmo": "Toll synthesis, toll formulation and packing at volume.",
        "cro": "Studies for renewals, new uses and second sources.",
        "testing-laboratory": "Quality control of technical and formulated batches.",
    },
}

# Share of a type's providers on a track that serve a cell, in bands for shading (the CSP
# forbids inline styles, so the shade is a class).
SHARE_BANDS = ((0.75, 5), (0.5, 4), (0.25, 3), (0.1, 2), (0.0, 1))


def share_band(count: int, of: int) -> int:
    """0 for an empty cell, then 1 (under 10 %) to 5 (over 75 %)."""
    if not count or not of:
        return 0
    share = count / of
    return next(band for floor, band in SHARE_BANDS if share > floor)


@require_safe
def home(request):
    """Explain the provider types, the three stages and each industry's track through them,
    and lead into the directory."""
    index = get_index()
    catalogue = index.catalogue
    directory = reverse("providers:directory")
    stages = [
        {
            "stage": stage,
            "tracks": [
                {
                    "track": track,
                    "phases": [
                        p
                        for p in catalogue.phases
                        if p.stage_id == stage.pk and p.track_id == track.pk
                    ],
                }
                for track in catalogue.tracks
            ],
            "count": index.bits["stage"].get(stage.slug, 0).bit_count(),
        }
        for stage in catalogue.stages
    ]
    tracks = []
    for track in catalogue.tracks:
        phases = [phase for phase in catalogue.phases if phase.track_id == track.pk]
        served = 0
        for phase in phases:
            served |= index.bits["phase"].get(phase.slug, 0)
        tracks.append(
            {
                "track": track,
                "phases": phases,
                "count": served.bit_count(),
                "url": f"{directory}?{urlencode([('phase', p.slug) for p in phases])}",
            }
        )
    types = [
        {"type": provider_type, "count": index.bits["type"].get(provider_type.slug, 0).bit_count()}
        for provider_type in catalogue.types.values()
    ]
    return render(
        request,
        "directory/home.html",
        {"stages": stages, "tracks": tracks, "types": types, "provider_count": index.size},
    )


@require_safe
def explorer(request):
    """For each industry's track, a stage and phase x provider type table of provider
    counts, shaded by the share of that type's providers on the track, and notes on what
    each type does in each stage.

    The tables depend on the index alone, so they are rendered once per index: in the
    index's own cache, not the catalogue's, which a patched index shares (its counts
    changed, its labels did not). The request only renders the page around them."""
    index = get_index()
    tables_html = index.html_cache.get(EXPLORER_TABLES)
    if tables_html is None:
        tables_html = index.html_cache[EXPLORER_TABLES] = render_to_string(
            "directory/explorer.html#tables", explorer_tables(index)
        )
    return render(
        request,
        "directory/explorer.html",
        {"tables_html": tables_html, "provider_count": index.size},
    )


EXPLORER_TABLES = ("explorer", "tables")


def explorer_tables(index) -> dict:
    """The explorer's tables: per track, stage and phase rows by provider type."""
    catalogue = index.catalogue
    directory = reverse("providers:directory")
    types = list(catalogue.types.values())
    phase_bits = index.bits["phase"]
    type_bits = {t.slug: index.bits["type"].get(t.slug, 0) for t in types}

    def cell(bits: int, of: int, phases: list, provider_type=None) -> dict:
        count = bits.bit_count()
        params = [("phase", phase.slug) for phase in phases]
        if provider_type is not None:
            params.append(("type", provider_type.slug))
        return {
            "type": provider_type,
            "count": count,
            "band": share_band(count, of),
            "url": f"{directory}?{urlencode(params)}" if count else "",
        }

    tables = []
    for track in catalogue.tracks:
        track_phases = [phase for phase in catalogue.phases if phase.track_id == track.pk]
        on_track = 0
        for phase in track_phases:
            on_track |= phase_bits.get(phase.slug, 0)
        of_type = {slug: (bits & on_track).bit_count() for slug, bits in type_bits.items()}
        total = on_track.bit_count()

        def cells(bits: int, phases: list, of_type: dict = of_type) -> list[dict]:
            return [
                cell(bits & type_bits[t.slug], of_type[t.slug], phases, provider_type=t)
                for t in types
            ]

        stages = []
        for stage in catalogue.stages:
            phases = [phase for phase in track_phases if phase.stage_id == stage.pk]
            if not phases:
                continue
            stage_bits = 0
            for phase in phases:
                stage_bits |= phase_bits.get(phase.slug, 0)
            notes = TYPE_NOTES.get((track.slug, stage.slug), {})
            stage_cells = cells(stage_bits, phases)
            for entry in stage_cells:
                entry["typical"] = stage.pk in typical_stage_ids(entry["type"])
            stages.append(
                {
                    "stage": stage,
                    "cells": stage_cells,
                    "total": cell(stage_bits, total, phases),
                    "phases": [
                        {
                            "phase": phase,
                            "cells": cells(phase_bits.get(phase.slug, 0), [phase]),
                            "total": cell(phase_bits.get(phase.slug, 0), total, [phase]),
                        }
                        for phase in phases
                    ],
                    "notes": [(t, notes[t.slug]) for t in types if t.slug in notes],
                }
            )
        tables.append({"track": track, "stages": stages, "total": total, "of_type": of_type})
    return {"tables": tables, "types": types}


def typical_stage_ids(provider_type) -> set[int]:
    return {stage.pk for stage in provider_type.typical_stages.all()}
