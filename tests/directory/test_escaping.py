"""The hot loops' format_html and format_html_join give exactly what Django's give."""

import random

import pytest
from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from providers.directory import escaping


class Markup:
    """Anything with ``__html__`` (as markupsafe's Markup) is taken as it says."""

    def __html__(self):
        return "<em>own</em>"


lazy_markup = lazy(lambda: mark_safe("<i>lazy safe</i>"), SafeString)


def values(seed: int) -> list:
    rng = random.Random(seed)
    pieces = ["<", ">", "&", '"', "'", "a", "Ü", " ", "&amp;", "{}", "\ue000", "é"]
    text = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(40)]
    return [
        *text,
        *map(mark_safe, text[:10]),
        0,
        -3,
        2.5,
        None,
        True,
        Markup(),
        gettext_lazy("Provider <type>"),
        lazy_markup(),
        ["<list>"],
    ]


@pytest.mark.parametrize("seed", range(5))
def test_format_html_escapes_as_djangos_does(seed):
    pool = values(seed)
    rng = random.Random(seed)
    for _ in range(300):
        args = rng.sample(pool, rng.randint(1, 4))
        template = "<p class='{}'>" + "{} " * (len(args) - 1) + "</p>"
        mine = escaping.format_html(template, *args)
        theirs = django_html.format_html(template, *args)
        assert mine == theirs and type(mine) is SafeString


def test_format_html_join_escapes_as_djangos_does():
    rows = [(value, "&") for value in values(9)]
    for sep in (", ", mark_safe("<br>"), "<hr>"):
        mine = escaping.format_html_join(sep, "<li>{}{}</li>", rows)
        theirs = django_html.format_html_join(sep, "<li>{}{}</li>", rows)
        assert mine == theirs and type(mine) is SafeString
    named = [{"a": "<x>"}, {"a": mark_safe("<y>")}]
    assert escaping.format_html_join("", "{a}", named) == django_html.format_html_join(
        "", "{a}", named
    )


def test_format_html_without_arguments_is_refused_as_djangos_is():
    with pytest.raises(TypeError):
        escaping.format_html("<p>")
    with pytest.raises(TypeError):
        django_html.format_html("<p>")
