"""HTML for facet options and coverage strips, the hot loops of every directory page.

A page shows about 160 filter options and 20 coverage strips; rendered through template
tags they cost more than everything else in the request together. Their markup is fixed
per option (escaped once, when the index is built) and only the count, the checked state
and the "would give nothing" mark change per request, so they are joined here as strings.
The surrounding structure stays in the templates.
"""

from functools import lru_cache
from html import escape  # the standard one: these loops escape thousands of strings a page

from django.utils.safestring import SafeString, mark_safe

from providers.facets import Catalogue, Option

# {zero} {checked} {count} are filled per request; everything else is escaped once.
OPTION = (
    '<div class="option{{zero}}"><input type="checkbox" id="{id}" name="{name}" value="{value}"'
    '{{checked}}><label for="{id}"{title}>{label} <span class="count">{{count}}'
    '<span class="visually-hidden"> providers</span></span></label></div>'
)


@lru_cache(maxsize=4096)
def option_template(name: str, option: Option) -> str:
    element_id = escape(f"f-{name}-{option.key}")
    title = f' title="{escape(option.description)}"' if option.description else ""
    return OPTION.format(
        id=element_id,
        name=escape(name),
        value=escape(option.key),
        title=title,
        label=escape(option.label),
    )


def options_html(name: str, entries) -> SafeString:
    """Checkbox rows for one facet (``entries``: OptionCount items)."""
    parts = []
    for entry in entries:
        parts.append(
            option_template(name, entry.option).format(
                zero=" is-zero" if not entry.count and not entry.selected else "",
                checked=" checked" if entry.selected else "",
                count=entry.count,
            )
        )
    return mark_safe("".join(parts))  # every piece was escaped above


def grouped_options_html(name: str, entries) -> SafeString:
    """Checkbox rows grouped under fieldset legends (capability categories, stages)."""
    parts = []
    group = None
    for entry in entries:
        if entry.option.group != group:
            if group is not None:
                parts.append("</fieldset>")
            group = entry.option.group
            parts.append(f'<fieldset class="facet-group"><legend>{escape(group)}</legend>')
        parts.append(options_html(name, [entry]))
    if group is not None:
        parts.append("</fieldset>")
    return mark_safe("".join(parts))  # every piece was escaped above


def strip_html(positions: tuple[int, ...], label: str, catalogue: Catalogue) -> SafeString:
    """The seven-cell coverage strip; there are few distinct strips, so each is built once."""
    key = ("strip", positions, label)
    found = catalogue.html_cache.get(key)
    if found is None:
        found = catalogue.html_cache[key] = _strip_html(positions, label, catalogue)
    return found


def _strip_html(positions, label, catalogue) -> SafeString:
    covered = set(positions)
    cells = []
    for phase in catalogue.phases:
        on = phase.position in covered
        state = "served" if on else "not served"
        cells.append(
            f'<li class="strip-cell stage-{escape(phase.stage.slug)}{" on" if on else ""}"'
            f' title="{escape(phase.name)}: {state}"><span class="visually-hidden">'
            f"{escape(phase.name)}: {state}</span>"
            f'<span class="strip-label" aria-hidden="true">{escape(phase.short_name)}</span></li>'
        )
    return mark_safe(  # every piece was escaped above
        f'<ol class="strip" aria-label="Lifecycle coverage: {escape(label)}">{"".join(cells)}</ol>'
    )
