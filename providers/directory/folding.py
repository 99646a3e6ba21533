"""Long facets folded: the options most buyers need first, the rest behind "Show all N".

A facet of a hundred capabilities makes the filter panel thousands of pixels tall on a phone.
A long facet shows its chosen options and the options with the most providers (or, where the
order is the point, as for the lifecycle's phases, its first options), and folds the rest into a
``<details>`` element: it opens without JavaScript, and its state survives an htmx update like
the facet panels' (``data-panel``).
"""

from collections.abc import Callable, Sequence

from django.utils.safestring import SafeString

from providers.directory.escaping import format_html
from providers.directory.markup import options_html

# facet -> (options shown before "Show all", whether the facet's own order decides which)
FOLDED = {
    "capability": (8, False),
    "country": (8, False),
    "certification": (8, False),
    "phase": (7, True),
}
# A fold hiding only an option or two saves less room than its "Show all" line takes.
LEAST_FOLDED = 3
NOUNS = {
    "capability": "capabilities",
    "country": "countries",
    "certification": "certifications and inspections",
    "phase": "phases",
}

Render = Callable[[str, Sequence], SafeString]


def folded_options_html(name: str, entries: Sequence, render: Render) -> SafeString:
    """The options of facet ``name`` (OptionCount items, in catalogue order), long ones
    folded; ``render`` draws a list of them (flat or grouped)."""
    if name not in FOLDED:
        return render(name, entries)
    keep, in_order = FOLDED[name]
    if len(entries) - keep < LEAST_FOLDED:
        return render(name, entries)
    if in_order:
        first = set(range(keep))
    else:  # most providers first; ties in catalogue order
        ranked = sorted(range(len(entries)), key=lambda i: (-entries[i].count, i))
        first = set(ranked[:keep])
    shown = [e for i, e in enumerate(entries) if i in first or e.selected]
    rest = [e for i, e in enumerate(entries) if not (i in first or e.selected)]
    # The leading options keep the facet's grouping when its order is the point; otherwise
    # they are the most offered ones, listed flat above the whole grouped catalogue.
    leading = render(name, shown) if in_order else options_html(name, shown)
    return format_html(
        '{}<details class="facet-more" data-panel="{}-more"><summary>Show all {} {}</summary>'
        "{}</details>",
        leading,
        name,
        len(entries),
        NOUNS[name],
        render(name, rest),
    )
