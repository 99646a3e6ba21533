"""HTML for the hot loops: facet options, coverage strips, the provider's coverage map.

A page shows about 160 filter options and 20 coverage strips; rendered through template
tags they cost more than everything else in the request together. Their markup is fixed
per option (escaped once, when the index is built) and only the count, the checked state
and the "would give nothing" mark change per request, so they are joined here as strings.
The surrounding structure stays in the templates.
"""

from functools import lru_cache
from html import escape  # the standard one: these loops escape thousands of strings a page

from django.utils.safestring import SafeString, mark_safe

from providers.directory.index import DirectoryCatalogue, Option


@lru_cache(maxsize=4096)
def option_parts(name: str, option: Option) -> tuple[str, str]:
    """The fixed, escaped markup of one option, around the parts that change per request."""
    element_id = escape(f"f-{name}-{option.key}")
    title = f' title="{escape(option.description)}"' if option.description else ""
    return (
        f'"><input type="checkbox" id="{element_id}" name="{escape(name)}" '
        f'value="{escape(option.key)}"',
        f'><label for="{element_id}"{title}>{escape(option.label)} <span class="count">',
    )


def options_html(name: str, entries) -> SafeString:
    """Checkbox rows for one facet (``entries``: OptionCount items)."""
    parts = []
    for entry in entries:
        before_checked, before_count = option_parts(name, entry.option)
        parts += (
            '<div class="option',
            " is-zero" if not entry.count and not entry.selected else "",
            before_checked,
            " checked" if entry.selected else "",
            before_count,
            str(entry.count),
            '<span class="visually-hidden"> ',
            "provider" if entry.count == 1 else "providers",
            "</span></span></label></div>",
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


def strip_html(positions: tuple[int, ...], label: str, catalogue: DirectoryCatalogue) -> SafeString:
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


def coverage_map_rows(service_rows: list[dict], phase_count: int) -> SafeString:
    """Body rows of the provider page's services-by-phase table, grouped by category."""
    parts = []
    category = None
    for row in service_rows:
        if row["category"] is not category:
            category = row["category"]
            parts.append(
                f'<tr class="group-row"><th scope="rowgroup" colspan="{phase_count + 1}">'
                f"{escape(category.name)}</th></tr>"
            )
        note = f'<br><span class="muted">{escape(row["note"])}</span>' if row["note"] else ""
        cells = "".join(
            '<td class="on"><span aria-hidden="true">●</span></td>' if on else "<td></td>"
            for on in row["cells"]
        )
        parts.append(
            f'<tr><th scope="row">{escape(row["capability"].name)}<span class="visually-hidden">'
            f": {escape(row['range'])}</span>{note}</th>{cells}</tr>"
        )
    return mark_safe("".join(parts))  # every piece was escaped above
