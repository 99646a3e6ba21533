"""Pages that explain the lifecycle and count providers in it: home and the lifecycle explorer."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from providers.directory.index import get_index


@require_safe
def home(request):
    """Explain CRO / CDMO / CMO and the three lifecycle stages, and lead into the directory."""
    index = get_index()
    catalogue = index.catalogue
    stages = [
        {
            "stage": stage,
            "phases": [p for p in catalogue.phases if p.stage_id == stage.pk],
            "count": index.bits["stage"].get(stage.slug, 0).bit_count(),
        }
        for stage in catalogue.stages
    ]
    types = [
        {"type": provider_type, "count": index.bits["type"].get(provider_type.slug, 0).bit_count()}
        for provider_type in catalogue.types.values()
    ]
    return render(
        request,
        "directory/home.html",
        {"stages": stages, "types": types, "provider_count": index.size},
    )


@require_safe
def explorer(request):
    """Stages and phases in plain words, and a stage x type matrix of provider counts."""
    index = get_index()
    catalogue = index.catalogue
    directory = reverse("providers:directory")
    types = list(catalogue.types.values())
    matrix = []
    for stage in catalogue.stages:
        stage_bits = index.bits["stage"].get(stage.slug, 0)
        cells = []
        for provider_type in types:
            count = (stage_bits & index.bits["type"].get(provider_type.slug, 0)).bit_count()
            cells.append(
                {
                    "type": provider_type,
                    "count": count,
                    "typical": stage.pk in typical_stage_ids(provider_type),
                    "url": f"{directory}?stage={stage.slug}&type={provider_type.slug}",
                }
            )
        phases = [
            {
                "phase": phase,
                "count": index.bits["phase"].get(phase.slug, 0).bit_count(),
                "url": f"{directory}?phase={phase.slug}",
            }
            for phase in catalogue.phases
            if phase.stage_id == stage.pk
        ]
        matrix.append(
            {
                "stage": stage,
                "cells": cells,
                "phases": phases,
                "total": stage_bits.bit_count(),
                "url": f"{directory}?stage={stage.slug}",
            }
        )
    return render(
        request,
        "directory/explorer.html",
        {"matrix": matrix, "types": types, "provider_count": index.size},
    )


def typical_stage_ids(provider_type) -> set[int]:
    return {stage.pk for stage in provider_type.typical_stages.all()}
