"""The lifecycle's rules, in one place: which stages and tracks a set of phases serves,
and how a range of phases or a provider's coverage reads in plain words.

Everything works on phase positions (pharmaceutical 1 = discovery research ... 7 =
lifecycle management, crop protection from 11), which is how services and providers'
derived coverage refer to phases. Each phase lies on one industry's track, and a range of
phases never leaves its track. Callers pass the phases they already hold (a cached
catalogue, a prefetched queryset, with their tracks when names are shown), so nothing
here queries the database.
"""

from collections.abc import Iterable, Mapping

from lifecycle.models import Phase


def stage_positions(phases: Iterable[Phase]) -> dict[int, list[int]]:
    """Stage id -> the positions of its phases, in order."""
    found: dict[int, list[int]] = {}
    for phase in sorted(phases, key=lambda phase: phase.position):
        found.setdefault(phase.stage_id, []).append(phase.position)
    return found


def stages_served(positions: Iterable[int], phases: Iterable[Phase]) -> list[int]:
    """Ids of the stages in which at least one of ``positions`` lies, in lifecycle order."""
    served = set(positions)
    return [
        stage_id
        for stage_id, stage_phases in stage_positions(phases).items()
        if served.intersection(stage_phases)
    ]


def range_label(first: int, last: int, phase_by_position: Mapping[int, Phase]) -> str:
    """'Clinical Phase I to Commercial manufacture', or one phase's name."""
    first_name = phase_by_position[first].name
    if first == last:
        return first_name
    return f"{first_name} to {phase_by_position[last].name}"


def runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive positions as (first, last) ranges: [1, 2, 3, 6] -> [(1, 3), (6, 6)].

    Tracks never share or touch positions (see ``lifecycle.reference``), so a run stays
    on one track."""
    found: list[list[int]] = []
    for position in sorted(set(positions)):
        if found and position == found[-1][1] + 1:
            found[-1][1] = position
        else:
            found.append([position, position])
    return [(first, last) for first, last in found]


def same_track(first: int, last: int, phase_by_position: Mapping[int, Phase]) -> bool:
    """Whether two phases lie on one track (a range may only run along one)."""
    return phase_by_position[first].track_id == phase_by_position[last].track_id


def positions_by_track(
    positions: Iterable[int], phase_by_position: Mapping[int, Phase]
) -> dict[int, list[int]]:
    """Track id -> the given positions on it, tracks and positions in lifecycle order.
    Positions of unknown phases are left out."""
    found: dict[int, list[int]] = {}
    for position in sorted(set(positions)):
        phase = phase_by_position.get(position)
        if phase is not None:
            found.setdefault(phase.track_id, []).append(position)
    return found


def tracks_served(positions: Iterable[int], phase_by_position: Mapping[int, Phase]) -> list[int]:
    """Ids of the tracks on which at least one of ``positions`` lies, in order."""
    return list(positions_by_track(positions, phase_by_position))


def coverage_label(positions: Iterable[int], phase_by_position: Mapping[int, Phase]) -> str:
    """'Serves Pre-clinical (IND-enabling) to Clinical Phase III; Lifecycle management'.

    On several tracks, each track's ranges are named after it: 'Serves Pharmaceuticals
    and biotech: Discovery research; Crop protection: Regulatory studies to Registration'.
    """
    by_track = positions_by_track(positions, phase_by_position)
    if not by_track:
        return "No services recorded"
    if len(by_track) == 1:
        (track_positions,) = by_track.values()
        return "Serves " + _ranges(track_positions, phase_by_position)
    parts = [
        f"{phase_by_position[track_positions[0]].track.name}: "
        + _ranges(track_positions, phase_by_position)
        for track_positions in by_track.values()
    ]
    return "Serves " + "; ".join(parts)


def _ranges(positions: list[int], phase_by_position: Mapping[int, Phase]) -> str:
    return "; ".join(range_label(first, last, phase_by_position) for first, last in runs(positions))
