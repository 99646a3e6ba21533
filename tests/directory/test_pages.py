import pytest

from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def test_home_explains_types_and_stages_and_links_into_the_directory(client):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    for words in (
        "Contract research organisation",
        "CDMO",
        "CMO",
        "Discovery",
        "Development",
        "Delivery",
        "Clinical Phase II",
    ):
        assert words in text
    assert 'href="/providers/' in text


def test_provider_list_shows_only_published_providers(client):
    make_provider("Visible Bio", status="published")
    make_provider("Hidden Draft", status="draft")
    make_provider("Gone Pharma", status="withdrawn")
    text = client.get("/providers/").content.decode()
    assert "Visible Bio" in text
    assert "Hidden Draft" not in text and "Gone Pharma" not in text


def test_provider_page_shows_services_and_sites_and_hides_unpublished(client):
    published = make_provider(
        "Shown Ltd",
        services=[("glp-toxicology", 2, 3)],
        sites=[{"name": "Main plant", "city": "Cork", "country": "IE", "certifications": ["glp"]}],
    )
    draft = make_provider("Draft Ltd", status="draft")
    text = client.get(published.get_absolute_url()).content.decode()
    assert "GLP toxicology" in text and "Cork" in text and "Ireland" in text
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_admin_login_is_reachable(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert "Log in" in response.content.decode()
