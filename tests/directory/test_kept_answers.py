"""Directory answers kept per index and address, with each request's own parts filled in:
its CSRF token, its buyer's shortlist and whether the buyer is signed in."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from providers.directory import index as directory_index
from providers.directory import views
from providers.directory.kept_answers import KeptAnswer, OpenPieces, kept_answer, mark
from providers.models import Provider

pytestmark = pytest.mark.django_db

ADDRESS = "/providers/?type=cro"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def built(monkeypatch):
    """How many answers were built (not taken from the kept ones)."""
    counted = []
    original = views._directory_answer

    def counting(*args):
        counted.append(args[0].get_full_path())
        return original(*args)

    monkeypatch.setattr(views, "_directory_answer", counting)
    return counted


def button(html: str, slug: str) -> str:
    found = re.search(rf'<form class="shortlist-form" id="shortlist-{slug}".*?</form>', html)
    assert found, f"no shortlist form for {slug}"
    return found.group(0)


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_each_buyer_sees_their_own_shortlist_in_an_answer_kept_for_everyone(directory, built):
    first, second = Client(), Client()
    first.get(ADDRESS, headers=HTMX)
    first.post(
        "/providers/alpha-discovery/shortlist/",
        {"action": "add", "next": ADDRESS},
    )
    mine = first.get(ADDRESS, headers=HTMX).content.decode()
    theirs = second.get(ADDRESS, headers=HTMX).content.decode()
    assert built == [ADDRESS]  # one answer, kept and filled in three times
    assert 'aria-pressed="true">Shortlisted' in button(mine, "alpha-discovery")
    assert 'aria-pressed="false">Add' in button(theirs, "alpha-discovery")
    assert 'aria-pressed="false">Add' in button(mine, "delta-oligo")
    # The whole page is kept apart from the fragment, and filled in the same way.
    page = first.get(ADDRESS).content.decode()
    assert "<html" in page and 'aria-pressed="true">Shortlisted' in button(page, "alpha-discovery")
    assert built == [ADDRESS, ADDRESS]


def test_the_forms_of_a_kept_answer_carry_the_requests_own_valid_token(directory, built):
    Client().get(ADDRESS, headers=HTMX)  # kept by someone else's request
    buyer = Client(enforce_csrf_checks=True)
    html = buyer.get(ADDRESS, headers=HTMX).content.decode()
    assert len(built) == 1
    (token,) = tokens(html)  # one token, in every card's form
    assert html.count(token) == html.count('name="csrfmiddlewaretoken"') == 2
    added = buyer.post(
        "/providers/delta-oligo/shortlist/",
        {"action": "add", "csrfmiddlewaretoken": token, "next": ADDRESS},
    )
    assert added.status_code == 302
    forged = Client(enforce_csrf_checks=True)
    forged.get("/providers/")
    refused = forged.post(
        "/providers/delta-oligo/shortlist/",
        {"action": "add", "csrfmiddlewaretoken": "x" * 64, "next": ADDRESS},
    )
    assert refused.status_code == 403


def test_signed_in_buyers_get_their_own_kind_of_answer(directory, built):
    anonymous = Client().get(ADDRESS, headers=HTMX).content.decode()
    buyer = Client()
    buyer.force_login(User.objects.create_user("buyer", "buyer@example.com", "pw-long-enough"))
    signed_in = buyer.get(ADDRESS, headers=HTMX).content.decode()
    assert "Sign in to save this search" in anonymous
    assert '<form class="save-search" method="post"' in signed_in
    assert "Sign in to save this search" not in signed_in
    (token,) = tokens(signed_in)  # the save-search form's and the cards' token
    assert 'name="csrfmiddlewaretoken" value="' + token in signed_in
    assert len(built) == 2


def test_a_change_to_the_data_is_never_answered_from_a_kept_answer(client, directory, built):
    assert "Alpha Discovery" in client.get(ADDRESS, headers=HTMX).content.decode()
    Provider.objects.filter(slug="alpha-discovery").update(name="Alpha Renamed")
    html = client.get(ADDRESS, headers=HTMX).content.decode()
    assert "Alpha Renamed" in html and "Alpha Discovery" not in html
    assert len(built) == 2


def test_typed_text_cannot_open_a_slot(client, directory):
    # Even this process's own marks, were they known, are only text in a query.
    typed = f"{mark('token')}{mark('cards')}{mark('facet-type')} <b>"
    response = client.get("/providers/", {"q": typed}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "\ue000" not in html and "<b>" not in html and "&lt;b&gt;" in html
    assert "0 providers" in html


def test_answers_are_kept_while_recently_asked_and_not_at_all_with_no_room(directory):
    index = directory_index.get_index()
    made = []

    def build(name):
        def answer():
            made.append(name)
            return KeptAnswer.from_rendering(name, {}, {})

        return answer

    for name in ("a", "b", "a", "c", "a", "b"):
        kept_answer(index, (name,), build(name), 2)
    # "b" made way for "c" (asked less recently than "a"); "a" stayed.
    assert made == ["a", "b", "c", "b"]
    kept_answer(index, ("z",), build("z"), 0)
    kept_answer(index, ("z",), build("z"), 0)
    assert made[-2:] == ["z", "z"]


def test_open_slots_are_filled_per_request():
    cards = OpenPieces()
    cards.add(b"<li>")
    cards.token()
    cards.tail(7, (b"add", b"remove"))
    cards.add(b"</li>")
    answer = KeptAnswer.from_rendering(
        f"<p>{mark('token')}</p><ul>{mark('cards')}</ul>{mark('facet-type')}",
        {"cards": cards, "facet-type": b"<div>types</div>"},
        {"total": 1},
    )
    assert answer.filled("t0k", set()) == b"<p>t0k</p><ul><li>t0kadd</li></ul><div>types</div>"
    assert answer.filled("a&b", {7}) == (
        b"<p>a&amp;b</p><ul><li>a&amp;bremove</li></ul><div>types</div>"
    )
    assert dict(answer.page) == {"total": 1}


def test_the_whole_page_uses_one_token_for_its_forms_and_its_htmx_headers(client, directory):
    html = client.get(ADDRESS).content.decode()
    header = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    assert tokens(html) == {header}


def test_answers_with_the_same_choices_share_one_filter_form(client, directory):
    def show_results(html: str) -> str:
        return re.search(r'<a class="show-results" href="#results">([^<]+)</a>', html).group(1)

    def checked(html: str, name: str) -> set[str]:
        return set(re.findall(rf'name="{name}" value="([^"]+)" checked', html))

    cro = client.get("/providers/?type=cro", headers=HTMX).content.decode()
    cdmo = client.get("/providers/?type=cdmo", headers=HTMX).content.decode()
    forms = directory_index.get_index().html_cache["filters-form"]
    assert len(forms) == 1  # one type chosen, the same panels open: one form
    for html in (cro, cdmo):  # each with its own total
        total = int(re.search(r'<h2 id="results-heading">(\d+) provider', html).group(1))
        assert show_results(html) == f"Show {total} result{'s' * (total != 1)}"
    assert checked(cro, "type") == {"cro"} and checked(cdmo, "type") == {"cdmo"}
    assert '<details class="facet" data-panel="modality" open>' not in cro
    # Another panel open is another form.
    both = client.get("/providers/?type=cro&modality=small-molecule", headers=HTMX).content
    assert '<details class="facet" data-panel="modality" open>' in both.decode()
    assert len(forms) == 2
