"""Which industry tracks a buyer works in, and what of the lifecycle to show them.

A buyer who chooses the agrochemical industry works in crop-protection phases: the phase
facet and the coverage range offer that track's phases only (what they already chose
stays visible, so it can be unticked). With no industry chosen, or one without a track of
its own, every track is shown, each under its own name.
"""

from collections.abc import Iterable

from providers.directory.index import DirectoryCatalogue


def visible_tracks(catalogue: DirectoryCatalogue, industry_slugs: Iterable[str]) -> set[int] | None:
    """Ids of the tracks of the chosen industries; None when every track is shown."""
    by_slug = {industry.slug: industry for industry in catalogue.industries.values()}
    chosen = [by_slug[slug] for slug in industry_slugs or () if slug in by_slug]
    if not chosen or any(industry.track_id is None for industry in chosen):
        return None
    return {industry.track_id for industry in chosen}


def phase_entries(entries: list, catalogue: DirectoryCatalogue, tracks: set[int] | None) -> list:
    """The phase facet's options on the visible tracks (and any the buyer already chose)."""
    if tracks is None:
        return entries
    by_slug = catalogue.phase_by_slug
    return [
        entry for entry in entries if entry.selected or by_slug[entry.option.key].track_id in tracks
    ]


def range_phases(catalogue: DirectoryCatalogue, tracks: set[int] | None, keep=()) -> list:
    """Phases the coverage range offers: those of the visible tracks, plus ``keep``
    (positions already chosen)."""
    return [
        phase
        for phase in catalogue.phases
        if tracks is None or phase.track_id in tracks or phase.position in keep
    ]


def phase_hint(catalogue: DirectoryCatalogue, tracks: set[int] | None) -> str:
    if tracks is None:
        return "Each industry has its own track of phases."
    names = " and ".join(track.name.lower() for track in catalogue.tracks if track.pk in tracks)
    return f"Phases of the {names} track, for the industry you chose."
