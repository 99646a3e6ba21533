"""Buyer pages kept per process around their view's values (providers/directory/kept_pages.py):
a kept page is byte for byte the page rendered in full, with each request's own token,
shortlist count, signed-in navigation and messages."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.urls import resolve
from django.utils.csp import LazyNonce
from django.utils.safestring import mark_safe

from providers.directory import kept_pages, shortlist
from providers.directory.kept_pages import kept_page

pytestmark = pytest.mark.django_db

VALUES = {
    "title": 'Acme <script>alert("x")</script> & Co',
    "description": "Sterile fill & finish; 'quoted'",
    "head": mark_safe("<header><h1>Acme</h1></header>"),
    "watch": "",
    "body": b"<section><p>Kept markup \xc3\xa9</p></section>",
}


def request_for(user, shortlisted=(), path="/providers/acme/"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    request.session["shortlist"] = list(shortlisted)
    request._messages = FallbackStorage(request)
    request.resolver_match = resolve(path)
    request._csp_nonce = LazyNonce()  # as the policy's middleware does
    return request


def in_full(request, values, token):
    """The page as the template renders it with the values themselves (no marks)."""
    context = {
        name: mark_safe(value.decode()) if isinstance(value, bytes) else value
        for name, value in values.items()
    }
    context |= {"csrf_token": token, "shortlist_count": len(shortlist.ids(request))}
    return render(request, "directory/detail.html", context).content


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_kept_page_is_the_page_rendered_in_full(signed_in):
    user = User.objects.create_user("buyer") if signed_in else AnonymousUser()
    kept_pages.reset()
    for shortlisted, token in (((), "first-token"), ((4, 9), "second<&>token")):
        request = request_for(user, shortlisted)
        kept = kept_page(request, "directory/detail.html", VALUES, token=token).content
        assert kept == in_full(request, VALUES, token)
    assert len(kept_pages._kept) == 1  # rendered once, filled twice
    text = kept.decode()
    assert "Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in text
    assert "second&lt;&amp;&gt;token" in text and "<section><p>Kept markup é</p>" in text
    assert ("Sign in" in text) is not signed_in


def test_visitors_and_signed_in_buyers_get_their_own_kept_page():
    kept_pages.reset()
    visitor = kept_page(request_for(AnonymousUser()), "directory/detail.html", VALUES, token="t")
    buyer = User.objects.create_user("buyer")
    signed = kept_page(request_for(buyer), "directory/detail.html", VALUES, token="t")
    assert b"Sign in" in visitor.content and b"Sign in" not in signed.content
    assert b"Account" in signed.content
    assert len(kept_pages._kept) == 2


def test_a_request_with_messages_is_rendered_in_full_and_shows_them():
    kept_pages.reset()
    request = request_for(AnonymousUser())
    request._messages.add(40, "The shortlist holds at most 50 providers.")
    page = kept_page(request, "directory/detail.html", VALUES, token="t").content.decode()
    assert "The shortlist holds at most 50 providers." in page
    assert not kept_pages._kept
    assert get_messages(request).used  # shown, so the middleware drops them, as after a full render
    later = kept_page(request_for(AnonymousUser()), "directory/detail.html", VALUES, token="t")
    assert b"at most 50 providers" not in later.content


def test_nothing_is_kept_while_debugging(settings):
    settings.DEBUG = True
    kept_pages.reset()
    kept_page(request_for(AnonymousUser()), "directory/detail.html", VALUES, token="t")
    assert not kept_pages._kept


def test_the_provider_page_and_the_directory_page_are_kept_and_filled_per_buyer(directory):
    kept_pages.reset()
    first, second = Client(), Client()
    first.post("/providers/alpha-discovery/shortlist/", {"action": "add"})
    for client, count in ((first, 1), (second, 0), (first, 1)):
        for address in ("/providers/alpha-discovery/", "/providers/?type=cro"):
            page = client.get(address).content.decode()
            assert re.search(rf'<span id="shortlist-count" class="badge">.*?{count}<', page)
            token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
            assert f'name="csrfmiddlewaretoken" value="{token}"' in page
    assert {key[0] for key in kept_pages._kept} == {
        "directory/detail.html",
        "directory/directory.html",
    }
    searched = second.get("/providers/?q=%3Cb%3Ebold").content.decode()
    assert 'value="&lt;b&gt;bold"' in searched and "<b>bold" not in searched
    assert "<title>“&lt;b&gt;bold”: 0 providers" in searched


def test_a_signed_in_buyer_sees_the_watch_form_on_a_kept_provider_page(directory):
    kept_pages.reset()
    Client().get("/providers/alpha-discovery/")  # kept for visitors first
    buyer = Client()
    buyer.force_login(User.objects.create_user("watcher"))
    page = buyer.get("/providers/alpha-discovery/").content.decode()
    assert "Watch for changes" in page
    buyer.post("/accounts/watch/alpha-discovery/", {"action": "watch"})
    assert "Stop watching" in buyer.get("/providers/alpha-discovery/").content.decode()
    assert "Watch for changes" not in Client().get("/providers/alpha-discovery/").content.decode()


def test_each_kept_page_carries_the_nonce_of_its_own_policy(directory):
    nonces = []
    for _ in range(3):
        for address in ("/providers/alpha-discovery/", "/providers/?type=cro"):
            response = Client().get(address)
            nonce = re.search(r'<script src="[^"]*htmx[^"]*" defer nonce="([^"]+)"', response.text)
            assert nonce, "the htmx script carries a nonce"
            assert f"'nonce-{nonce.group(1)}'" in response.headers["Content-Security-Policy"]
            nonces.append(nonce.group(1))
    assert len(set(nonces)) == len(nonces)


def test_the_provider_page_uses_one_token_for_its_forms_and_its_htmx_headers(directory):
    client = Client()
    client.get("/providers/beta-biologics/")  # its similar providers' cards, kept
    for _ in range(2):
        html = client.get("/providers/beta-biologics/").content.decode()
        header = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        forms = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        assert len(re.findall(r'class="shortlist-form"', html)) >= 2  # its own and a similar one
        assert forms == {header}
