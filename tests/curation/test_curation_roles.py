"""Roles: the Curators group's exact permissions, who reaches the admin, and login lockout."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from providers.models import Provider
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

CATALOGUE = [
    "providertype",
    "capabilitycategory",
    "capability",
    "modality",
    "industry",
    "certification",
]
EXPECTED = (
    {f"providers.{action}_provider" for action in ("add", "change", "view")}
    | {
        f"providers.{a}_{m}"
        for m in ["service", "site", "siteidentity", "inspection", "evidence", *CATALOGUE]
        for a in ("add", "change", "delete", "view")
    }
    | {"providers.view_reviewitem", "providers.change_reviewitem"}
    | {"lifecycle.view_stage", "lifecycle.view_phase"}
    # Claims to profiles and representatives' corrections (providers/accounts/).
    | {f"accounts.{a}_{m}" for m in ("profileclaim", "correction") for a in ("change", "view")}
    | {"accounts.view_providermembership", "accounts.delete_providermembership"}
    | {"accounts.view_providerconfirmation"}
)


def test_curators_group_has_exactly_the_needed_permissions():
    group = Group.objects.get(name="Curators")
    granted = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }
    assert granted == EXPECTED
    assert "providers.delete_provider" not in granted
    assert not {name for name in granted if name.startswith("auth.")}


def test_non_staff_users_cannot_reach_the_admin(client):
    client.force_login(User.objects.create_user("buyer", password="pw-buyer-123"))
    response = client.get(reverse("admin:providers_provider_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.logout()
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_curator_edits_providers_but_cannot_delete_them_or_manage_users(client, curator_account):
    client.force_login(curator_account)
    provider = make_provider("Curated")
    assert (
        client.get(reverse("admin:providers_provider_change", args=[provider.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:providers_provider_add")).status_code == 200
    assert (
        client.get(reverse("admin:providers_provider_delete", args=[provider.pk])).status_code
        == 403
    )
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_add")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "Providers" in index and "Users" not in index


def test_staff_without_the_group_sees_nothing_to_curate(client):
    client.force_login(User.objects.create_user("temp", password="x", is_staff=True))
    assert client.get(reverse("admin:providers_provider_changelist")).status_code == 403


def test_superuser_may_delete_a_provider(admin_client):
    provider = make_provider("Doomed")
    response = admin_client.post(
        reverse("admin:providers_provider_delete", args=[provider.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Provider.objects.filter(pk=provider.pk).exists()


def test_repeated_failed_admin_logins_are_locked_out(client, curator_account, settings):
    login = reverse("admin:login")
    statuses = [
        client.post(login, {"username": "cora", "password": "wrong", "next": "/admin/"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The form again, with an error, until the limit; the attempt that reaches it is locked out.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Now even the right password is refused for a while.
    response = client.post(
        login, {"username": "cora", "password": "pw-cora-123", "next": "/admin/"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "paused for 15 minutes" in response.content.decode()


def test_a_correct_login_before_the_limit_works(client, curator_account, settings):
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(login, {"username": "cora", "password": "wrong", "next": "/admin/"})
    response = client.post(
        login, {"username": "cora", "password": "pw-cora-123", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(curator_account.pk)
