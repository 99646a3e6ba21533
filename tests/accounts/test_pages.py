"""Sign up with a confirmed email, sign in and out, reset a password: allauth's flows in the
site's own layout, their mail through the outbox, sign-ins limited by django-axes as in the
admin, and CSRF on every form."""

import re

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse

from providers.mail.models import OutboundMessage
from tests.accounts.conftest import PASSWORD, make_buyer

pytestmark = pytest.mark.django_db


def link_in(body: str, path_part: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path_part)}[^\s]*)", body)
    assert match, f"no link containing {path_part} in:\n{body}"
    return match.group(1)


def test_sign_up_confirms_the_address_by_a_link_then_signs_in(client, on_commit):
    with on_commit():
        response = client.post(
            reverse("account_signup"),
            {"email": "new@pharma.example", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    # Not signed in before the address is confirmed.
    assert "_auth_user_id" not in client.session
    [message] = OutboundMessage.objects.filter(reason="email_confirmation_signup")
    assert message.status == "sent"
    confirm_url = link_in(django_mail.outbox[0].body, "/accounts/confirm-email/")

    page = client.get(confirm_url)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 302

    fresh = Client()
    signed = fresh.post(
        reverse("account_login"), {"login": "new@pharma.example", "password": PASSWORD}
    )
    assert signed.status_code == 302 and signed["Location"] == reverse("accounts:overview")
    overview = fresh.get(reverse("accounts:overview")).content.decode()
    assert "Signed in as <strong>new@pharma.example</strong>" in overview


def test_an_unconfirmed_address_cannot_sign_in(client, on_commit):
    with on_commit():
        client.post(
            reverse("account_signup"),
            {"email": "new@pharma.example", "password1": PASSWORD, "password2": PASSWORD},
        )
    fresh = Client()
    response = fresh.post(
        reverse("account_login"), {"login": "new@pharma.example", "password": PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in fresh.session


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("73829104756", "entirely numeric"),
    ],
)
def test_passwords_follow_djangos_validators(client, password, said):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@pharma.example", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_pages_use_the_sites_layout_and_the_header_says_sign_in_or_account(client, buyer):
    page = client.get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in page and "Skip to content" in page
    assert "<title>" in page and "Outsourcing provider directory</title>" in page
    assert f'href="{reverse("account_login")}" aria-current="page">Sign in</a>' in page
    assert 'name="csrfmiddlewaretoken"' in page
    client.force_login(buyer)
    home = client.get("/").content.decode()
    assert f'<a href="{reverse("accounts:overview")}">Account</a>' in home
    assert ">Sign in</a>" not in home


def test_sign_out_is_a_post_and_ends_the_session(signed_in):
    assert signed_in.get(reverse("accounts:overview")).status_code == 200
    signed_in.post(reverse("account_logout"))
    response = signed_in.get(reverse("accounts:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_forgotten_password_is_reset_by_a_link(client, buyer, on_commit):
    with on_commit():
        client.post(reverse("account_reset_password"), {"email": "BUYER@pharma.example"})
    message = OutboundMessage.objects.get(reason="password_reset_key")
    assert message.to == ["buyer@pharma.example"] and message.status == "sent"
    reset_url = link_in(django_mail.outbox[0].body, "/accounts/password/reset/key/")
    form_page = client.get(reset_url, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url
    new_password = "another long Passphrase 7"
    done = client.post(action, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    fresh = Client()
    old = fresh.post(
        reverse("account_login"), {"login": "buyer@pharma.example", "password": PASSWORD}
    )
    assert old.status_code == 200 and "_auth_user_id" not in fresh.session
    response = fresh.post(
        reverse("account_login"), {"login": "buyer@pharma.example", "password": new_password}
    )
    assert response.status_code == 302 and "_auth_user_id" in fresh.session


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, on_commit):
    with on_commit():
        response = client.post(
            reverse("account_reset_password"), {"email": "nobody@pharma.example"}
        )
    assert response.status_code == 302
    assert not OutboundMessage.objects.filter(to=["nobody@pharma.example"]).exists()


def failed_sign_in(client, email="buyer@pharma.example", password="wrong password"):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_failed_sign_ins_lock_the_address_out_as_in_the_admin(client, buyer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = failed_sign_in(client)
        assert response.status_code == 200  # the form again, with its error
    locked = failed_sign_in(client)
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(round(settings.AXES_COOLOFF_TIME * 3600))
    page = locked.content.decode()
    assert "Sign-in paused" in page and 'class="site-header"' in page  # the site's layout
    # The right password is refused too while the pause lasts, in any letter case.
    again = failed_sign_in(client, email="Buyer@Pharma.example", password=PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not affected.
    make_buyer("second@pharma.example")
    other = failed_sign_in(client, email="second@pharma.example", password=PASSWORD)
    assert other.status_code == 302


def test_every_account_form_needs_its_csrf_token(buyer):
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post(
            reverse("account_login"), {"login": "buyer@pharma.example", "password": PASSWORD}
        ).status_code
        == 403
    )
    assert (
        strict.post(
            reverse("account_signup"),
            {"email": "x@pharma.example", "password1": PASSWORD, "password2": PASSWORD},
        ).status_code
        == 403
    )
    assert (
        strict.post(
            reverse("account_reset_password"), {"email": "buyer@pharma.example"}
        ).status_code
        == 403
    )
    strict.force_login(buyer)
    assert strict.post(reverse("account_logout")).status_code == 403
    assert not OutboundMessage.objects.exists()


def test_account_pages_need_a_signed_in_user(client):
    for name in ("accounts:overview", "accounts:saved-searches", "accounts:alerts"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
