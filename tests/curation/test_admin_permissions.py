"""Permission before disclosure: every admin view of our own refuses a staff user without the
permission before it looks anything up, so a refusal tells nothing about the data."""

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse

from providers.models import (
    Capability,
    CapabilityCategory,
    Certification,
    Industry,
    Modality,
    ProviderType,
)
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

SECRET = "Unpublished Secret Labs"


@pytest.fixture
def secret_provider():
    """A draft provider using one entry of every catalogue: its name must never leak."""
    return make_provider(
        SECRET,
        slug="unpublished-secret-labs",
        status="draft",
        types=("cdmo",),
        modalities=("peptide",),
        industries=("biotech",),
        services=[("glp-toxicology", 2, 3)],
        sites=[{"name": "Hidden plant", "country": "FR", "certifications": ["eu-gmp"]}],
    )


def staff_without(client, *codenames: str) -> User:
    """A signed-in staff user holding only the given permissions (none by default)."""
    user = User.objects.create_user("nosy", password="pw-nosy-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def assert_refused_without_data(client, response) -> None:
    assert response.status_code == 403
    body = response.content.decode()
    assert SECRET not in body and "secret" not in body.lower()
    leaked = [str(message) for message in get_messages(response.wsgi_request)]
    assert not any(SECRET in message for message in leaked), leaked


CATALOGUE = [
    (ProviderType, {"slug": "cdmo"}, "providertype"),
    (CapabilityCategory, None, "capabilitycategory"),
    (Capability, {"slug": "glp-toxicology"}, "capability"),
    (Modality, {"slug": "peptide"}, "modality"),
    (Industry, {"slug": "biotech"}, "industry"),
    (Certification, {"slug": "eu-gmp"}, "certification"),
]


def catalogue_entry(model, lookup):
    if model is CapabilityCategory:
        return Capability.objects.get(slug="glp-toxicology").category
    return model.objects.get(**lookup)


@pytest.mark.parametrize(("model", "lookup", "name"), CATALOGUE)
@pytest.mark.parametrize("method", ["get", "post"])
def test_catalogue_delete_refuses_before_saying_who_uses_the_entry(
    client, secret_provider, model, lookup, name, method
):
    # Even with the right to change the entry: deleting is a separate permission.
    staff_without(client, f"view_{name}", f"change_{name}")
    entry = catalogue_entry(model, lookup)
    url = reverse(f"admin:providers_{name}_delete", args=[entry.pk])
    response = getattr(client, method)(url, {"post": "yes"} if method == "post" else None)
    assert_refused_without_data(client, response)
    assert model.objects.filter(pk=entry.pk).exists()


def test_catalogue_delete_of_a_missing_entry_is_refused_alike(client):
    staff_without(client)
    response = client.get(reverse("admin:providers_modality_delete", args=[987654]))
    assert response.status_code == 403


def test_curators_still_learn_who_uses_an_entry_they_may_delete(client, curator, secret_provider):
    entry = Modality.objects.get(slug="peptide")
    response = client.get(reverse("admin:providers_modality_delete", args=[entry.pk]))
    assert response.status_code == 302
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("cannot be deleted" in message and SECRET in message for message in messages)


def provider_views(provider):
    history_row = provider.history.first()
    return [
        ("get", reverse("admin:providers_provider_import"), None),
        ("post", reverse("admin:providers_provider_import"), {"confirm": "1", "token": "x"}),
        ("get", reverse("admin:providers_provider_import_status", args=[987654]), None),
        ("post", reverse("admin:providers_provider_import_status", args=[987654]), {"retry": "1"}),
        ("get", reverse("admin:providers_provider_export", args=["csv"]), None),
        ("get", reverse("admin:providers_provider_export", args=["xlsx"]), None),
        ("get", reverse("admin:providers_provider_export", args=["pdf"]), None),
        ("get", reverse("admin:providers_provider_history", args=[provider.pk]), None),
        (
            "get",
            reverse(
                "admin:providers_provider_simple_history",
                args=[provider.pk, history_row.history_id],
            ),
            None,
        ),
        (
            "get",
            reverse(
                "admin:providers_provider_restore",
                args=[provider.pk, "provider", history_row.history_id],
            ),
            None,
        ),
        (
            "post",
            reverse(
                "admin:providers_provider_restore",
                args=[provider.pk, "provider", history_row.history_id],
            ),
            {},
        ),
        ("get", reverse("admin:providers_provider_change", args=[provider.pk]), None),
        ("get", reverse("admin:providers_provider_delete", args=[provider.pk]), None),
        ("get", reverse("admin:providers_provider_changelist"), None),
    ]


@pytest.mark.parametrize("index", range(14))
def test_provider_admin_views_refuse_staff_without_permissions(client, secret_provider, index):
    staff_without(client)
    method, url, data = provider_views(secret_provider)[index]
    response = getattr(client, method)(url, data)
    assert_refused_without_data(client, response)


@pytest.mark.parametrize(
    "url",
    [
        lambda pk: reverse("admin:providers_provider_history", args=[pk]),
        lambda pk: reverse("admin:providers_provider_restore", args=[pk, "provider", 1]),
        lambda pk: reverse("admin:providers_provider_simple_history", args=[pk, 1]),
        lambda pk: reverse("admin:providers_provider_import"),
        lambda pk: reverse("admin:providers_provider_export", args=["csv"]),
    ],
)
def test_refusal_does_not_reveal_whether_a_provider_exists(client, secret_provider, url):
    staff_without(client)
    existing = client.get(url(secret_provider.pk))
    missing = client.get(url(secret_provider.pk + 1000))
    assert existing.status_code == missing.status_code == 403


def test_view_only_staff_cannot_restore(client, secret_provider):
    staff_without(client, "view_provider")
    point = secret_provider.history.first()
    url = reverse(
        "admin:providers_provider_restore", args=[secret_provider.pk, "provider", point.history_id]
    )
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_view_only_staff_cannot_import(client):
    staff_without(client, "view_provider")
    assert client.get(reverse("admin:providers_provider_import")).status_code == 403


@pytest.mark.parametrize("model", ["service", "site"])
def test_service_and_site_history_refuse_staff_without_permissions(client, secret_provider, model):
    staff_without(client)
    row = getattr(secret_provider, f"{model}s").get()
    for url in (
        reverse(f"admin:providers_{model}_history", args=[row.pk]),
        reverse(f"admin:providers_{model}_change", args=[row.pk]),
    ):
        assert_refused_without_data(client, client.get(url))
