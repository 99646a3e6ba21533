"""Keys, rates, CORS and the admin that issues keys."""

import datetime
import json

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from providers.api.models import ApiKey, hash_key

pytestmark = pytest.mark.django_db


def issue(name="QMS sync", rate=0) -> tuple[ApiKey, str]:
    key = ApiKey(name=name, owner="Acme Pharma, qa@acme.example", rate_per_minute=rate)
    secret = key.issue()
    key.save()
    return key, secret


@override_settings(API_ANONYMOUS_RATE_PER_MINUTE=3)
def test_anonymous_callers_are_limited_with_retry_after(client, directory):
    for _ in range(3):
        assert client.get("/api/v1/reference").status_code == 200
    limited = client.get("/api/v1/providers")
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert json.loads(limited.content)["type"].endswith("#rate-limited")
    # Another address has its own allowance.
    assert client.get("/api/v1/reference", REMOTE_ADDR="10.1.2.3").status_code == 200


@override_settings(API_ANONYMOUS_RATE_PER_MINUTE=1)
def test_a_key_has_its_own_rate(client, directory):
    _key, secret = issue(rate=5)
    for _ in range(5):
        assert client.get("/api/v1/reference", headers={"X-API-Key": secret}).status_code == 200
    assert client.get("/api/v1/reference", headers={"X-API-Key": secret}).status_code == 429
    assert client.get("/api/v1/reference").status_code == 200  # anonymous: its own count


def test_keys_are_stored_hashed_and_last_use_recorded_once_a_minute(client, directory):
    key, secret = issue()
    assert secret.startswith("pdk_") and len(secret) > 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hash_key(secret) and secret not in str(stored.__dict__)
    assert stored.last_used_at is None
    assert client.get("/api/v1/reference", headers={"X-API-Key": secret}).status_code == 200
    first_use = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first_use is not None
    client.get("/api/v1/reference", headers={"X-API-Key": secret})
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first_use  # not a write per request
    ApiKey.objects.filter(pk=key.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    client.get("/api/v1/reference", headers={"X-API-Key": secret})
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first_use


@pytest.mark.parametrize("sent", ["pdk_not-a-real-key", "something else", "pdk_" + "a" * 500, "🔑"])
def test_an_unknown_key_is_refused(client, directory, sent):
    response = client.get("/api/v1/reference", headers={"X-API-Key": sent})
    assert response.status_code == 401
    body = json.loads(response.content)
    assert body["type"].endswith("#invalid-key") and "not valid" in body["detail"]


def test_a_revoked_key_stops_working_at_once(client, directory):
    key, secret = issue()
    assert client.get("/api/v1/reference", headers={"X-API-Key": secret}).status_code == 200
    key.revoke()
    response = client.get("/api/v1/reference", headers={"X-API-Key": secret})
    assert response.status_code == 401
    assert "revoked" in json.loads(response.content)["detail"]


def test_cors_is_off_unless_configured(client, directory):
    origin = {"Origin": "https://procurement.example"}
    response = client.get("/api/v1/reference", headers=origin)
    assert "Access-Control-Allow-Origin" not in response
    with override_settings(CORS_ALLOWED_ORIGINS=["https://procurement.example"]):
        allowed = client.get("/api/v1/reference", headers=origin)
        assert allowed["Access-Control-Allow-Origin"] == "https://procurement.example"
        other = client.get("/api/v1/reference", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other
        page = client.get("/providers/", headers=origin)
        assert "Access-Control-Allow-Origin" not in page  # the API only


def test_an_administrator_issues_a_key_that_is_shown_once(client, directory):
    admin = User.objects.create_superuser("keeper", password="pw-keeper-123")
    client.force_login(admin)
    response = client.post(
        "/admin/api/apikey/add/",
        {"name": "Supplier QMS", "owner": "Acme, qa@acme.example", "rate_per_minute": "100"},
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Supplier QMS")
    secret = response.context["secret"]
    assert key.key_hash == hash_key(secret) and key.created_by == admin
    assert secret in response.content.decode()
    assert secret not in client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert secret not in client.get("/admin/api/apikey/").content.decode()
    client.logout()
    assert client.get("/api/v1/reference", headers={"X-API-Key": secret}).status_code == 200
    client.force_login(admin)
    client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/reference", headers={"X-API-Key": secret}).status_code == 401


def test_curators_cannot_see_or_issue_keys(client, curator):
    assert client.get("/admin/api/apikey/").status_code == 403
    assert client.get("/admin/api/apikey/add/").status_code == 403
