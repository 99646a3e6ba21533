"""A signed-in buyer's shortlist and saved searches live in the account (every device);
a visitor's shortlist joins the account on sign-in."""

import pytest
from django.test import Client
from django.urls import reverse

from providers.accounts.models import SavedSearch, ShortlistEntry
from providers.directory import shortlist
from tests.accounts.conftest import PASSWORD
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def toggle(client, slug: str, action: str = "add"):
    return client.post(f"/providers/{slug}/shortlist/", {"action": action, "next": "/shortlist/"})


def sign_in(client, email="buyer@pharma.example"):
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_a_signed_in_shortlist_is_the_same_on_every_device(directory, buyer):
    laptop, phone = Client(), Client()
    laptop.force_login(buyer)
    phone.force_login(buyer)
    toggle(laptop, "beta-biologics")
    toggle(laptop, "delta-oligo")
    assert list(
        ShortlistEntry.objects.filter(user=buyer).values_list("provider__slug", flat=True)
    ) == ["beta-biologics", "delta-oligo"]
    page = phone.get("/shortlist/").content.decode()
    assert "Beta Biologics" in page and "Delta Oligo" in page
    assert "kept in your account on every device" in page
    toggle(phone, "beta-biologics", "remove")
    assert "Beta Biologics" not in laptop.get("/shortlist/").content.decode()
    phone.post(reverse("providers:shortlist-clear"))
    assert not ShortlistEntry.objects.filter(user=buyer).exists()


def test_a_visitors_shortlist_merges_into_the_account_on_sign_in(client, directory, buyer):
    ShortlistEntry.objects.create(user=buyer, provider=directory["alpha"])
    toggle(client, "beta-biologics")
    toggle(client, "alpha-discovery")  # already in the account: kept once
    assert "kept in this browser session" in client.get("/shortlist/").content.decode()
    sign_in(client)
    assert list(
        ShortlistEntry.objects.filter(user=buyer).values_list("provider__slug", flat=True)
    ) == ["alpha-discovery", "beta-biologics"]
    assert client.session.get(shortlist.SESSION_KEY) == []
    # Signed out, the browser no longer holds it; signed in elsewhere, it is there.
    client.post(reverse("account_logout"))
    assert "Your shortlist is empty" in client.get("/shortlist/").content.decode()
    other = Client()
    other.force_login(buyer)
    assert "Beta Biologics" in other.get("/shortlist/").content.decode()


def test_the_merge_keeps_the_limit(client, buyer, settings, monkeypatch):
    monkeypatch.setattr(shortlist, "MAX_SHORTLIST", 3)
    providers = [make_provider(f"Merge {n}", slug=f"merge-{n}") for n in range(5)]
    ShortlistEntry.objects.create(user=buyer, provider=providers[0])
    ShortlistEntry.objects.create(user=buyer, provider=providers[1])
    for provider in providers[2:]:
        toggle(client, provider.slug)
    sign_in(client)
    assert ShortlistEntry.objects.filter(user=buyer).count() == 3


def test_another_buyers_shortlist_is_never_shown(directory, buyer, other_buyer):
    ShortlistEntry.objects.create(user=other_buyer, provider=directory["gamma"])
    client = Client()
    client.force_login(buyer)
    assert "Gamma Manufacturing" not in client.get("/shortlist/").content.decode()
    assert client.get("/shortlist/export.csv").content.decode().count("\n") == 1  # header only


# ---------------------------------------------------------------- saved searches


def test_the_directory_offers_to_save_the_search(client, directory, buyer):
    anonymous = client.get("/providers/?type=cmo").content.decode()
    assert "Sign in to save this search" in anonymous
    assert reverse("account_login") + "?next=/providers/%3Ftype%3Dcmo" in anonymous
    client.force_login(buyer)
    page = client.get("/providers/?type=cmo&page=1").content.decode()
    assert f'action="{reverse("accounts:save-search")}"' in page
    assert 'name="query" value="type=cmo"' in page


def test_saving_a_search_keeps_the_validated_query_and_lists_it(signed_in, directory, buyer):
    response = signed_in.post(
        reverse("accounts:save-search"),
        {"name": "  CMOs   in India ", "query": "type=cmo&country=IN&bogus=1&page=3"},
    )
    assert response["Location"] == reverse("accounts:saved-searches")
    search = SavedSearch.objects.get(user=buyer)
    assert search.name == "CMOs in India"
    assert search.query == "type=cmo&country=IN"
    assert search.known_ids == [directory["gamma"].pk]  # what it matches now is not news
    page = signed_in.get(reverse("accounts:saved-searches")).content.decode()
    assert 'href="/providers/?type=cmo&amp;country=IN">CMOs in India</a>' in page


def test_a_bad_save_says_why_and_saves_nothing(signed_in, directory, buyer):
    SavedSearch.objects.create(user=buyer, name="Taken", query="")
    empty = signed_in.post(reverse("accounts:save-search"), {"name": "   ", "query": ""})
    assert empty.status_code == 400
    taken = signed_in.post(reverse("accounts:save-search"), {"name": "Taken", "query": ""})
    assert taken.status_code == 400
    assert "You already have a saved search named “Taken”." in taken.content.decode()
    assert SavedSearch.objects.filter(user=buyer).count() == 1


def test_another_users_saved_search_cannot_be_deleted_by_its_url(signed_in, other_buyer):
    theirs = SavedSearch.objects.create(user=other_buyer, name="Theirs", query="type=cro")
    response = signed_in.post(reverse("accounts:delete-search", args=[theirs.pk]))
    assert response.status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()
    assert "Theirs" not in signed_in.get(reverse("accounts:saved-searches")).content.decode()


def test_deleting_ones_own_search_needs_a_post_with_its_csrf_token(buyer):
    mine = SavedSearch.objects.create(user=buyer, name="Mine", query="")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(buyer)
    url = reverse("accounts:delete-search", args=[mine.pk])
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403
    assert strict.post(reverse("accounts:save-search"), {"name": "x"}).status_code == 403
    assert SavedSearch.objects.filter(pk=mine.pk).exists()
    client = Client()
    client.force_login(buyer)
    client.post(url)
    assert not SavedSearch.objects.filter(pk=mine.pk).exists()


def test_saving_needs_a_signed_in_user(client):
    response = client.post(reverse("accounts:save-search"), {"name": "x", "query": ""})
    assert response.status_code == 302 and not SavedSearch.objects.exists()
