"""HTML for the hot loops: facet options and coverage strips (the provider page's own markup
is in ``provider_markup``).

A page shows about 160 filter options and 20 coverage strips; rendered through template
tags they cost more than everything else in the request together. Their markup is fixed
per option (escaped once and cached) and only the count, the checked state and the "would
give nothing" mark change per request, so they are built here with ``format_html`` and
``format_html_join`` (escaping by construction; Django's rule, in ``escaping``'s quicker
form). The surrounding structure stays in the templates.
"""

from collections.abc import Iterable
from functools import lru_cache
from itertools import repeat

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from lifecycle.coverage import coverage_label, tracks_served
from providers.directory.escaping import escaped, format_html, format_html_join
from providers.directory.index import DirectoryCatalogue, Option

# Escaping by construction: every piece goes through format_html (or, for pieces that are
# already safe, join_html, which escapes whatever is not), and the fixed parts of an option
# (escaped once, cached) are SafeStrings that pass through.
OPTION_HEAD = '<div class="option{}">{}{}>{}<span class="count">'
OPTION_TAIL = '{}<span class="visually-hidden"> {}</span></span></label></div>'

# Fixed literals (nothing interpolated), safe as written.
EMPTY = mark_safe("")


def join_html(parts: Iterable) -> SafeString:
    """Pieces of markup joined into one: each is escaped unless it is already safe (the
    rule of ``format_html_join`` and of the ``join`` template filter, without formatting
    every piece again)."""
    return mark_safe("".join(map(escaped, parts)))


def concat_html(parts: list | tuple) -> SafeString:
    """``join_html`` for pieces that are already safe, as the hot loops' are (built with
    ``format_html``, or fixed literals such as ``EMPTY``): checked in one pass in C,
    joined without calling ``conditional_escape`` on each. When any piece is not a
    SafeString, every piece goes through ``join_html`` (escaped unless safe)."""
    if all(map(isinstance, parts, repeat(SafeString))):
        return mark_safe("".join(parts))
    return join_html(parts)


def kept(markup: SafeString) -> bytes:
    """Markup for a cache that lives as long as its index, as UTF-8 bytes.

    A worker keeps tens of thousands of card parts. As SafeStrings (a str subclass) each is
    an object the garbage collector tracks, and every full collection walked them all:
    pauses of a tenth of a second and more under load. Bytes are not tracked, and they
    cannot be mistaken for text to escape: ``concat_kept`` takes them back as they are and
    escapes any str that is not already safe. Only built markup goes in."""
    if not isinstance(markup, SafeString):
        raise TypeError("Only markup built safe (format_html, concat_html) is kept.")
    return markup.encode()


def concat_kept(parts: Iterable) -> SafeString:
    """Pieces of markup joined into one: kept markup (bytes from ``kept``) as it is,
    SafeStrings as they are, anything else escaped."""
    return mark_safe(
        b"".join(
            [part if type(part) is bytes else conditional_escape(part).encode() for part in parts]
        ).decode()
    )


@lru_cache(maxsize=4096)
def option_parts(name: str, option: Option) -> tuple[SafeString, SafeString, SafeString]:
    """The fixed markup of one option up to its count, escaped once: as a plain option, as
    one that would give nothing ("is-zero"), and checked."""
    element_id = f"f-{name}-{option.key}"
    title = format_html(' title="{}"', option.description) if option.description else ""
    control = format_html(
        '<input type="checkbox" id="{}" name="{}" value="{}"', element_id, name, option.key
    )
    label = format_html('<label for="{}"{}>{} ', element_id, title, option.label)
    return (
        format_html(OPTION_HEAD, "", control, "", label),
        format_html(OPTION_HEAD, " is-zero", control, "", label),
        format_html(OPTION_HEAD, "", control, " checked", label),
    )


@lru_cache(maxsize=16384)
def count_html(count: int) -> SafeString:
    """An option's count and the end of its markup (counts repeat across options and
    requests, so each is formatted once)."""
    return format_html(OPTION_TAIL, count, "provider" if count == 1 else "providers")


def options_html(name: str, entries) -> SafeString:
    """Checkbox rows for one facet (``entries``: OptionCount items)."""
    parts = []
    for entry in entries:
        plain, zero, checked = option_parts(name, entry.option)
        count = entry.count
        parts.append(checked if entry.selected else plain if count else zero)
        parts.append(count_html(count))
    return concat_html(parts)


def grouped_options_html(name: str, entries) -> SafeString:
    """Checkbox rows grouped under fieldset legends (capability categories, stages)."""
    groups: list[tuple[str, list]] = []
    for entry in entries:
        if not groups or groups[-1][0] != entry.option.group:
            groups.append((entry.option.group, []))
        groups[-1][1].append(entry)
    return concat_html(
        [
            format_html(
                '<fieldset class="facet-group"><legend>{}</legend>{}</fieldset>',
                group,
                options_html(name, members),
            )
            for group, members in groups
        ]
    )


def strip_html(positions: tuple[int, ...], label: str, catalogue: DirectoryCatalogue) -> SafeString:
    """The coverage strip: one row of cells per track the provider has services on (the
    first track's when it has none); there are few distinct strips, so each is built once."""
    key = ("strip", positions, label)
    found = catalogue.html_cache.get(key)
    if found is None:
        found = catalogue.html_cache[key] = _strip_html(positions, label, catalogue)
    return found


def kept_coverage_strip(positions: tuple[int, ...], catalogue: DirectoryCatalogue) -> bytes:
    """The coverage strip of a card, labelled with its coverage, as kept markup: built
    once per catalogue for each distinct coverage, and that one object is the strip of
    every card showing it (a worker keeps thousands of cards and few distinct strips)."""
    key = ("card-strip", positions)
    found = catalogue.html_cache.get(key)
    if found is None:
        label = coverage_label(positions, catalogue.phase_by_position)
        found = catalogue.html_cache[key] = kept(strip_html(positions, label, catalogue))
    return found


def _strip_html(positions, label, catalogue) -> SafeString:
    covered = set(positions)
    tracks = tracks_served(positions, catalogue.phase_by_position)
    if not tracks and catalogue.phases:
        tracks = [catalogue.phases[0].track_id]
    default_track = catalogue.tracks[0].pk if catalogue.tracks else None
    if tracks == [default_track]:  # the common case, as it always looked
        return format_html(
            '<ol class="strip" aria-label="Lifecycle coverage: {}">{}</ol>',
            label,
            _cells(tracks[0], covered, catalogue),
        )
    names = {track.pk: track for track in catalogue.tracks}
    return format_html(
        '<div class="strip-tracks">{}</div>',
        format_html_join(
            "",
            '<div class="strip-track"><span class="strip-track-name" aria-hidden="true">{}</span>'
            '<ol class="strip" aria-label="{} coverage: {}">{}</ol></div>',
            (
                (names[track_id].short_name, names[track_id].name, label, cells)
                for track_id in tracks
                for cells in [_cells(track_id, covered, catalogue)]
            ),
        ),
    )


def _cells(track_id: int, covered: set[int], catalogue) -> SafeString:
    return format_html_join(
        "",
        '<li class="strip-cell stage-{}{}" title="{}: {}"><span class="visually-hidden">{}: {}'
        '</span><span class="strip-label" aria-hidden="true">{}</span></li>',
        (
            (
                phase.stage.slug,
                " on" if phase.position in covered else "",
                phase.name,
                state,
                phase.name,
                state,
                phase.short_name,
            )
            for phase in catalogue.phases
            if phase.track_id == track_id
            for state in ["served" if phase.position in covered else "not served"]
        ),
    )
