"""Failed admin sign-ins: locked per user name and client address, even behind a proxy."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from config.client_ip import client_ip

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.9"


def sign_in(client, password: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        reverse("admin:login"),
        {"username": "cora", "password": password, "next": "/admin/"},
        headers=headers,
        REMOTE_ADDR=PROXY,
    )


def lock_out(client, settings, forwarded_for: str | None = None):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong", forwarded_for)
    assert response.status_code == 429
    return response


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_behind_the_proxy_one_clients_failures_do_not_lock_out_another(
    client, curator_account, settings, behind_one_proxy
):
    lock_out(client, settings, forwarded_for=CLIENT_A)
    # The same user name from another client, through the same proxy, signs in.
    response = sign_in(client, "pw-cora-123", forwarded_for=CLIENT_B)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(curator_account.pk)


def test_the_failing_client_is_locked_out_and_told_when_to_retry(
    client, curator_account, settings, behind_one_proxy
):
    response = lock_out(client, settings, forwarded_for=CLIENT_A)
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "paused for 15 minutes" in page
    assert "ask a superuser" not in page.lower()
    # The right password from the locked client is refused too, with the same header.
    again = sign_in(client, "pw-cora-123", forwarded_for=CLIENT_A)
    assert again.status_code == 429 and again["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session
    # The lock is recorded against the client's address, not the proxy's.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_a_forged_forwarded_for_does_not_escape_the_lock(
    client, curator_account, settings, behind_one_proxy
):
    """The proxy appends the real address; what the client wrote before it is not trusted."""
    for forged in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"):
        response = sign_in(client, "wrong", forwarded_for=f"{forged}, {CLIENT_A}")
    assert response.status_code == 429
    assert sign_in(client, "pw-cora-123", forwarded_for=f"192.0.2.99, {CLIENT_A}").status_code == (
        429
    )


def test_without_a_trusted_proxy_forwarded_for_is_ignored(client, curator_account, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for number in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong", forwarded_for=f"192.0.2.{number + 1}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", PROXY),
        (1, None, PROXY),  # reached the app without the proxy: its own address
        (1, "198.51.100.7", "198.51.100.7"),
        (1, " 192.0.2.1 ,198.51.100.7 ", "198.51.100.7"),
        (2, "198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "10.0.0.1", "10.0.0.1"),  # fewer hops than configured: the furthest one known
        (1, "not-an-address", PROXY),
        (1, "2001:db8::5", "2001:db8::5"),
        (1, "198.51.100.7\x00", PROXY),
    ],
)
def test_client_address_with_trusted_proxies(settings, count, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = count
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    request = RequestFactory().get("/", headers=headers, REMOTE_ADDR=PROXY)
    assert client_ip(request) == expected


def test_unlock_from_the_command_line(client, curator_account, settings, behind_one_proxy):
    lock_out(client, settings, forwarded_for=CLIENT_A)
    call_command("axes_reset_username", "cora")
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "pw-cora-123", forwarded_for=CLIENT_A).status_code == 302


def test_unlock_one_address_only(client, curator_account, settings, behind_one_proxy):
    lock_out(client, settings, forwarded_for=CLIENT_A)
    lock_out(client, settings, forwarded_for=CLIENT_B)
    call_command("axes_reset_ip_username", CLIENT_B, "cora")
    assert sign_in(client, "pw-cora-123", forwarded_for=CLIENT_A).status_code == 429
    assert sign_in(client, "pw-cora-123", forwarded_for=CLIENT_B).status_code == 302
