"""The provider page's article is built in Python (providers/directory/provider_markup.py):
whatever a record holds reaches the page escaped."""

import pytest

from providers.models import Service
from tests.factories import add_evidence, make_provider

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"


def test_every_text_of_a_record_is_escaped_on_its_page(client):
    provider = make_provider(
        f"Acme {HOSTILE}",
        slug="acme-hostile",
        summary=f"Summary {HOSTILE}",
        source=f"Call {HOSTILE}",
        services=(("glp-toxicology", 2, 3),),
        sites=({"name": f"Plant {HOSTILE}", "city": f"Town {HOSTILE}", "country": "DE"},),
    )
    service = Service.objects.get(provider=provider)
    service.note = f"Note {HOSTILE}"
    service.save()
    add_evidence(provider, title=f"Title {HOSTILE}", quote=f"Quote {HOSTILE}")
    html = client.get("/providers/acme-hostile/").content.decode()
    assert "<script>alert" not in html
    for text in ("Acme", "Summary", "Call", "Plant", "Town", "Note", "Title", "Quote"):
        assert f"{text} {ESCAPED}" in html, text
