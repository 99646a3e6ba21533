"""Long facets fold behind "Show all N": the most offered options and the chosen ones first."""

import re

import pytest
from django.urls import reverse

from providers.models import Capability

pytestmark = pytest.mark.django_db


def facet(html: str, name: str) -> str:
    start = html.index(f'data-panel="{name}"')
    return html[start : html.index("</details>\n", start)]


def test_a_long_facet_shows_its_most_offered_and_chosen_options_and_folds_the_rest(
    client, directory
):
    html = client.get(reverse("providers:directory"), {"capability": "radiolabelling"}).content
    capability = facet(html.decode(), "capability")
    leading, _, folded = capability.partition('<details class="facet-more"')
    total = Capability.objects.count()
    assert f"Show all {total} capabilities</summary>" in folded
    # The chosen option is never folded away (though no provider offers it) ...
    assert 'id="f-capability-radiolabelling"' in leading
    assert 'id="f-capability-radiolabelling"' not in folded
    # ... and with nothing chosen, the options with providers come first.
    plain = facet(client.get(reverse("providers:directory")).content.decode(), "capability")
    leading, _, folded = plain.partition('<details class="facet-more"')
    assert 'id="f-capability-mammalian-biologics"' in leading
    assert 'id="f-capability-radiolabelling"' in folded
    # Every option is on the page exactly once, folded or not.
    ids = re.findall(r'id="(f-capability-[^"]+)"', capability)
    assert len(ids) == len(set(ids)) == total


def test_short_facets_are_not_folded(client, directory):
    html = client.get(reverse("providers:directory")).content.decode()
    for name in ("type", "stage", "modality", "industry", "region"):
        assert 'class="facet-more"' not in facet(html, name), name
