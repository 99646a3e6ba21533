"""Bad input gets a clear answer, never a 500: redirects, NUL bytes, restores of old versions."""

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from providers.models import Capability, Certification, Modality, Provider, Service
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- shortlist "next"


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("cmo", "/shortlist/"),  # a bare word is not a page of this site
        ("providers:detail", "/shortlist/"),  # nor is a view name
        ("https://elsewhere.example/", "/shortlist/"),
        ("/providers/?type=cmo", "/providers/?type=cmo"),
        ("http://testserver/compare/", "http://testserver/compare/"),
    ],
)
def test_shortlist_without_htmx_redirects_only_to_pages_of_this_site(
    client, directory, next_value, expected
):
    url = reverse("providers:shortlist-toggle", args=["alpha-discovery"])
    response = client.post(url, {"action": "add", "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == expected + "#shortlist-alpha-discovery"  # focus returns


def test_shortlist_with_a_bare_word_referer_falls_back(client, directory):
    url = reverse("providers:shortlist-toggle", args=["alpha-discovery"])
    response = client.post(url, {"action": "add"}, headers={"Referer": "cmo"})
    assert response.status_code == 302
    assert response["Location"] == "/shortlist/#shortlist-alpha-discovery"


# ---------------------------------------------------------------- NUL bytes


def test_nul_in_an_admin_list_filter_matches_nothing(client, curator, directory):
    response = client.get("/admin/providers/provider/?status__exact=%00")
    assert response.status_code == 200
    assert "Alpha Discovery" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/providers/?q=pep%00tide",
        "/providers/?type=%00",
        "/providers/?%00=cmo",
        "/providers/?page=%00",
        "/compare/?p=alpha-discovery&p=%00",
        "/shortlist/export.csv?x=%00",
        "/healthz?%00",
        "/admin/login/?next=/admin/%00",
    ],
)
def test_nul_in_a_query_string_is_not_understood_like_any_junk(client, directory, path):
    response = client.get(path)
    assert response.status_code == 200
    for key, values in response.wsgi_request.GET.lists():
        assert "\x00" not in key and not any("\x00" in value for value in values)
    assert "\x00" not in response.wsgi_request.get_full_path()


def test_nul_in_a_query_string_is_reported_on_the_page(client, directory):
    page = client.get("/compare/?p=alpha-discovery&p=%00").content.decode()
    assert "no published provider has that address" in page


def test_nul_in_the_path_is_a_bad_request(client, directory):
    assert client.get("/providers/alpha%00discovery/").status_code == 400


def test_nul_in_public_form_fields_is_a_bad_request(client, directory):
    url = reverse("providers:shortlist-toggle", args=["alpha-discovery"])
    assert client.post(url, {"action": "add\x00"}).status_code == 400
    assert client.post(url, {"action": "add", "next": "/\x00"}).status_code == 400


def test_nul_in_admin_sign_in_is_a_bad_request(client, curator_account):
    login = reverse("admin:login")
    response = client.post(login, {"username": "cora\x00", "password": "x", "next": "/admin/"})
    assert response.status_code == 400
    # A failed sign-in records the user agent: a NUL there must not reach the database either.
    response = client.post(
        login,
        {"username": "cora", "password": "wrong", "next": "/admin/"},
        headers={"User-Agent": "bot\x00"},
    )
    assert response.status_code == 400


def test_nul_in_admin_form_fields_is_a_bad_request(client, curator, directory):
    provider = directory["alpha"]
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    response = client.post(url, {"name": "Alpha\x00", "slug": provider.slug})
    assert response.status_code == 400
    provider.refresh_from_db()
    assert provider.name == "Alpha Discovery"


def test_nul_in_the_session_cookie_is_a_bad_request(client, directory):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/shortlist/")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_ordinary_requests_are_untouched(client, curator, directory):
    assert client.get("/providers/?q=peptide&type=cmo").status_code == 200
    assert client.get("/admin/providers/provider/?status__exact=draft").status_code == 200


# ---------------------------------------------------------------- restoring old versions


@pytest.fixture
def version_with_deleted_entries(curator):
    """A provider whose first version uses catalogue entries that were deleted since."""
    modality = Modality.objects.create(name="Retired modality", slug="retired-modality")
    capability = Capability.objects.create(
        name="Retired capability",
        slug="retired-capability",
        category=Capability.objects.get(slug="glp-toxicology").category,
        first_phase_id=1,
        last_phase_id=7,
    )
    certification = Certification.objects.create(
        name="Retired cert", slug="retired-cert", kind=Certification.Kind.STANDARD
    )
    provider = make_provider(
        "Old Name Co",
        modalities=("retired-modality", "peptide"),
        services=(("retired-capability", 2, 3), ("glp-toxicology", 2, 3)),
        sites=(
            {
                "name": "Lab",
                "country": "CH",
                "certifications": ("retired-cert", "glp"),
            },
        ),
    )
    point = provider.sites.get().history.first()
    provider.name = "New Name Co"
    provider.save()
    provider.modalities.set(Modality.objects.filter(slug="peptide"))
    Service.objects.filter(provider=provider, capability=capability).delete()
    provider.sites.get().certifications.set(Certification.objects.filter(slug="glp"))
    modality.delete()
    capability.delete()
    certification.delete()
    url = reverse("admin:providers_provider_restore", args=[provider.pk, "site", point.history_id])
    return provider, url


def test_restore_preview_flags_entries_deleted_since(client, version_with_deleted_entries):
    _provider, url = version_with_deleted_entries
    response = client.get(url)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Old Name Co" in page
    assert "deleted from the catalogue since" in page
    assert "modality" in page and "capability" in page and "certification" in page
    assert "Restore this version" in page


def test_restore_confirm_skips_entries_deleted_since_and_says_so(
    client, version_with_deleted_entries
):
    provider, url = version_with_deleted_entries
    response = client.post(url)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Old Name Co"
    assert set(provider.modalities.values_list("slug", flat=True)) == {"peptide"}
    assert set(provider.services.values_list("capability__slug", flat=True)) == {"glp-toxicology"}
    assert set(provider.sites.get().certifications.values_list("slug", flat=True)) == {"glp"}
    messages = " ".join(str(message) for message in get_messages(response.wsgi_request))
    assert "left out" in messages.lower() and "deleted from the catalogue since" in messages
    assert Provider.objects.filter(pk=provider.pk).exists()
