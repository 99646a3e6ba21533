"""The lifecycle's rules, in one place: which stages a set of phases serves, and how a
range of phases or a provider's coverage reads in plain words.

Everything works on phase positions (1 = discovery research ... 7 = lifecycle
management), which is how services and providers' derived coverage refer to phases.
Callers pass the phases they already hold (a cached catalogue, a prefetched queryset),
so nothing here queries the database.
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
    """Consecutive positions as (first, last) ranges: [1, 2, 3, 6] -> [(1, 3), (6, 6)]."""
    found: list[list[int]] = []
    for position in sorted(set(positions)):
        if found and position == found[-1][1] + 1:
            found[-1][1] = position
        else:
            found.append([position, position])
    return [(first, last) for first, last in found]


def coverage_label(positions: Iterable[int], phase_by_position: Mapping[int, Phase]) -> str:
    """'Serves Pre-clinical (IND-enabling) to Clinical Phase III; Lifecycle management'."""
    parts = [range_label(first, last, phase_by_position) for first, last in runs(positions)]
    if not parts:
        return "No services recorded"
    return "Serves " + "; ".join(parts)
