"""``{% facet %}``: one facet group of the directory's filter panel.

Ten of them per directory response: as template includes they cost more than the
options inside them, so the frame is built here with ``format_html`` (every value
escaped) around options that come already built (``views.facet_options_html``).
"""

from django import template
from django.utils.safestring import SafeString

from providers.directory.escaping import format_html

register = template.Library()

FLAT = (
    '<details class="facet" data-panel="{}"{}>\n  <summary>{}</summary>\n  <fieldset>\n'
    '    <legend class="visually-hidden">{}</legend>\n    {}{}\n  </fieldset>\n</details>'
)
GROUPED = '<details class="facet" data-panel="{}"{}>\n  <summary>{}</summary>\n  {}{}\n</details>'


@register.simple_tag
def facet(
    name: str, title: str, options, *, open=False, hint: str = "", grouped: bool = False
) -> SafeString:
    """The facet ``name`` as a ``<details>`` panel titled ``title``: open when ``open``,
    with an optional hint; its options in a fieldset, or, when ``grouped``, as their own
    fieldsets (one per group)."""
    is_open = " open" if open else ""
    hint_html = format_html('<p class="hint">{}</p>', hint) if hint else ""
    if grouped:
        return format_html(GROUPED, name, is_open, title, hint_html, options)
    return format_html(FLAT, name, is_open, title, title, hint_html, options)
