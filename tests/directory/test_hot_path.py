"""What keeps buyer pages fast at scale, pinned as behaviour rather than time: markup that
depends only on the directory's data is built once per index and reused, and the card
query loads services and sites only when the page shows why a card matched."""

import datetime
import gc
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from providers.directory import cards, facets, loading, markup, overview, views
from providers.directory.index import get_index
from providers.models import Provider, ProviderType
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def card_queries(client, url: str, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries if is_card_query(query["sql"])]


def is_card_query(sql: str) -> bool:
    return "p.id = ANY" in sql and "p.backed_claim_count" in sql


def test_cards_load_services_and_sites_only_for_their_why_lines(client, directory):
    client.get("/providers/?q=nothing-matches-this")  # builds the index; shows no card
    plain_pages = ("/providers/?type=cdmo&stage=development&sort=verified", "/providers/")
    for plain in plain_pages:
        (sql,) = card_queries(client, plain)  # the second: those the first did not show
        assert "providers_service" not in sql and "providers_site" not in sql, plain
    # Shown again, the same cards come from the index's card cache: no card query.
    for plain in plain_pages:
        assert card_queries(client, plain) == [], plain
    # A chosen capability: services, to say which matched; no sites unless a place is chosen.
    (sql,) = card_queries(client, "/providers/?capability=glp-toxicology")
    assert "providers_service " in sql and "providers_site " not in sql
    (sql,) = card_queries(client, "/providers/?capability=mammalian-biologics&country=IE")
    assert "providers_service_sites" in sql and "providers_site " in sql
    (sql,) = card_queries(client, "/providers/?q=oligo")  # words found in service modalities
    assert "providers_service " in sql
    (sql,) = card_queries(client, "/providers/?country=IN")  # sites in the chosen country
    assert "providers_site " in sql
    # Rows are kept per index with their services: shown for another query, no query; a row
    # kept without its sites is loaded again when a place is chosen.
    assert card_queries(client, "/providers/?capability=glp-toxicology&type=cro") == []
    (sql,) = card_queries(client, "/providers/?capability=glp-toxicology&country=US")
    assert "providers_site " in sql
    html = client.get("/providers/?country=IN").content.decode()
    assert "Sites: Hyderabad" in html


def test_facet_options_and_card_parts_are_built_once_per_index(client, directory, monkeypatch):
    built = []
    original = cards.state_html
    monkeypatch.setattr(cards, "state_html", lambda *args: built.append(args) or original(*args))
    client.get("/providers/")
    options_built = markup.option_parts.cache_info().misses
    states_built = len(built)
    assert options_built and states_built
    # Other counts, other checked boxes, the same providers: nothing fixed is built again.
    for url in ("/providers/?type=cdmo", "/providers/?stage=discovery&type=cro", "/providers/"):
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert 'class="option' in html
    assert markup.option_parts.cache_info().misses == options_built
    assert len(built) == states_built
    # A changed provider is patched into a copy of the index that keeps the catalogue: the
    # parts its card shares with others are reused, a part with a new value is built once.
    catalogue = get_index().catalogue
    make_provider("Zeta Peptides", slug="zeta-peptides", types=("cdmo",))
    make_provider("Eta Enzymes", slug="eta-enzymes", state_on=datetime.date(2026, 2, 3))
    html = client.get("/providers/").content.decode()
    assert get_index().catalogue is catalogue
    assert "Zeta Peptides" in html and "Eta Enzymes" in html
    assert built[states_built:] == [("compiled", datetime.date(2026, 2, 3), timezone.localdate())]
    # A catalogue change builds a new index, and its markup afresh.
    ProviderType.objects.filter(slug="cdmo").update(name="Development and manufacturing")
    html = client.get("/providers/").content.decode()
    assert get_index().catalogue is not catalogue
    assert 'title="Development and manufacturing"' in html
    assert len(built) == 2 * (states_built + 1)  # every state on the page, once more


def test_lifecycle_explorer_renders_its_tables_once_per_index(client, directory, monkeypatch):
    built = []
    original = overview.explorer_tables
    monkeypatch.setattr(
        overview, "explorer_tables", lambda index: built.append(index) or original(index)
    )
    delivery = "phase=commercial-supply&amp;phase=lifecycle-management"
    for _ in range(3):
        html = client.get("/lifecycle/").content.decode()
        assert f'href="/providers/?{delivery}&amp;type=cmo">1<' in html
    assert len(built) == 1
    # A patched index shares the catalogue with the one before it, but not its counts.
    catalogue = get_index().catalogue
    make_provider("Theta Tablets", types=("cmo",), services=[("oral-solid-dose", 6, 7)])
    html = client.get("/lifecycle/").content.decode()
    assert get_index().catalogue is catalogue
    assert f'href="/providers/?{delivery}&amp;type=cmo">2<' in html
    assert len(built) == 2 and built[1] is get_index()
    Provider.objects.filter(name="Theta Tablets").update(status="draft")
    html = client.get("/lifecycle/").content.decode()
    assert f'href="/providers/?{delivery}&amp;type=cmo">1<' in html
    assert len(built) == 3


def test_coverage_range_keeps_the_buyers_choice_when_rendered_once(client, directory):
    first = client.get("/providers/?cover_from=phase-1&cover_to=phase-3").content.decode()
    assert '<option value="phase-1" selected>' in first
    assert '<option value="phase-3" selected>' in first
    again = client.get("/providers/?cover_from=preclinical&cover_to=phase-2").content.decode()
    assert '<option value="preclinical" selected>' in again
    assert '<option value="phase-1" selected>' not in again
    service_level = client.get("/providers/?capability=glp-toxicology").content.decode()
    assert "One chosen service covers every phase" in service_level
    assert "One-stop partners" in client.get("/providers/").content.decode()


def test_a_card_shown_before_an_edit_shows_the_edit_on_the_next_request(client, directory):
    url, htmx = "/providers/?type=cdmo", {"HX-Request": "true"}
    assert "Beta Biologics" in client.get(url, headers=htmx).content.decode()
    assert card_queries(client, url, **htmx) == []  # every card of the page cached now
    before = dict(get_index().provider_cache)
    beta = directory["beta"]
    assert beta.pk in before and len(before) > 1
    beta.name = "Beta Biologics Europe"
    beta.save()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url, headers=htmx).content.decode()
    assert "Beta Biologics Europe" in html
    # Only the edited provider's card was built again (one query); the others were kept.
    assert len([query for query in queries.captured_queries if is_card_query(query["sql"])]) == 1
    cache = get_index().provider_cache
    assert cache[beta.pk] is not before[beta.pk]
    assert all(cache[pk] is parts for pk, parts in before.items() if pk != beta.pk)
    assert card_queries(client, url, **htmx) == []


def test_the_card_cache_is_bounded(client, directory, monkeypatch, settings):
    monkeypatch.setattr(cards, "CARD_CACHE_SIZE", 2)
    monkeypatch.setattr(cards, "ROW_CACHE_SIZE", 2)
    settings.DIRECTORY_ANSWER_MEMO_SIZE = 0  # every request builds its cards
    html = client.get("/providers/").content.decode()
    shown = html.count('class="result"')
    assert shown > 2
    assert len(get_index().provider_cache) == 2
    # The cards beyond the bound are still shown, built again on each request.
    assert client.get("/providers/").content.decode().count('class="result"') == shown
    assert len(card_queries(client, "/providers/")) == 1
    html = client.get("/providers/?q=summary").content.decode()  # every card's why lines
    assert html.count("Search matched") > 2 and len(get_index().row_cache) == 2


def test_why_lines_shown_before_an_edit_show_the_edit_on_the_next_request(client, directory):
    url = "/providers/?capability=mammalian-biologics&country=IE"
    for _ in range(2):  # the second from the page memo, without a card query
        html = client.get(url).content.decode()
        assert "Beta Biologics" in html and "Why it matched" in html
    assert card_queries(client, url) == []
    beta = directory["beta"]
    beta.name = "Beta Biologics Europe"
    beta.save()
    html = client.get(url).content.decode()
    assert "Beta Biologics Europe" in html and "Why it matched" in html


def test_memos_of_counts_options_and_pages_are_bounded(client, directory, monkeypatch):
    monkeypatch.setattr(facets, "COUNTS_MEMO_SIZE", 2)
    monkeypatch.setattr(views, "FACET_MEMO_SIZE", 2)
    monkeypatch.setattr(cards, "QUERY_CARDS_MEMO_SIZE", 2)
    urls = [
        "/providers/?capability=glp-toxicology",
        "/providers/?capability=mammalian-biologics",
        "/providers/?capability=sterile-fill-finish&type=cdmo",
    ]
    # The CSRF token is masked anew, and the scripts' nonce is new, on each response.
    token = re.compile(r'value="[^"]+">|"X-CSRFToken": "[^"]+"|nonce="[^"]+"')

    def pages():
        return [token.sub("", client.get(url).content.decode()) for url in urls]

    first = pages()
    memos = get_index().html_cache
    assert len(memos["option-counts"]) == 2
    assert len(memos["facet-options"]) == 2
    assert len(memos["query-cards"]) == 2
    # Forgotten states are answered again, the same.
    assert pages() == first
    # Counts come from the memo for a repeated state, and follow an edit.
    total = re.compile(r'<h2 id="results-heading">(\d+) provider')
    before = int(total.search(client.get("/providers/?type=cmo").content.decode())[1])
    assert int(total.search(client.get("/providers/?type=cmo").content.decode())[1]) == before
    make_provider("Theta Tablets", types=("cmo",), services=[("oral-solid-dose", 6, 7)])
    html = client.get("/providers/?type=cmo").content.decode()
    assert "Theta Tablets" in html and int(total.search(html)[1]) == before + 1


def test_what_a_worker_keeps_is_left_out_of_the_garbage_collectors_walks(client, directory):
    """Card parts, card rows and memoised counts live as long as the index; kept as objects
    the collector tracks, they made each full collection of a busy worker's heap take a
    third of a second. They are kept as bytes and tuples of plain values instead."""
    client.get("/providers/?capability=mammalian-biologics&country=IE&q=biologics")
    client.get("/providers/?type=cdmo")
    for _ in range(3):  # the collector stops tracking tuples of plain values as it meets
        gc.collect()  # them, the innermost first
    index = get_index()
    parts = list(index.provider_cache.values())
    rows = [row for row, _places in index.row_cache.values()]
    assert parts and rows
    for part in parts:
        assert {type(value) for value in (part.head, part.form_head, part.body)} == {bytes}
        assert type(part.strip) is bytes
        assert not gc.is_tracked(part.form_tails)
    for row in rows:
        assert not any(gc.is_tracked(value) for value in (row.services, row.sites, row.type_ids))
    counted = index.html_cache["option-counts"]
    for _result, numbers, _active in counted.values():
        assert not any(gc.is_tracked(value) for value in numbers.values())


def test_cards_with_the_same_coverage_share_one_strip(client, directory):
    """A strip is most of a card's markup and most cards share theirs with many others:
    a worker keeping ten thousand cards kept ten thousand copies of a few dozen strips."""
    html = client.get("/providers/").content.decode()
    index = get_index()
    parts = list(index.provider_cache.values())
    by_markup = {}
    for part in parts:
        by_markup.setdefault(part.strip, []).append(part.strip)
    shared = [strips for strips in by_markup.values() if len(strips) > 1]
    assert shared, "the directory's cards should have coverages in common"
    for strips in by_markup.values():
        assert all(strip is strips[0] for strip in strips)
    # Each card still shows its strip, after its other details.
    cards = html.split('<li class="result">')[1:]
    assert len(cards) == len(parts)
    strip = re.compile(r'</p>(<div class="strip-tracks">.*?)?<ol class="strip"')
    assert all(strip.search(card) for card in cards)


@pytest.mark.django_db
def test_a_kept_card_row_holds_each_repeated_site_and_modality_list_once():
    """A provider's sites come back under each service made there, and its services
    often share their modalities: a kept row holds each such text or list once. Lists of
    ids are never merged with lists of flags (``True == 1``)."""
    plant = {"sites": ("Basel plant",), "modalities": ("small-molecule",)}
    provider = make_provider(
        "Repeat Pharma",
        services=[
            ("oral-solid-dose", 6, 7, plant),
            ("sterile-fill-finish", 6, 7, plant),
            ("process-development", 3, 7, plant),
        ],
        sites=[{"name": "Basel plant", "city": "Basel", "country": "CH"}],
    )
    (row,) = loading.card_rows([provider.pk], services=True, places=True)
    assert len(row.services) == 3
    sites = [service[4] for service in row.services]
    modalities = [service[3] for service in row.services]
    assert sites[0] == (("Basel plant", "Basel", "CH"),)
    assert all(found[0] is sites[0][0] for found in sites)  # the site itself, once
    assert all(found is modalities[0] for found in modalities)
    assert row.sites[0] is sites[0][0]  # the provider's own list of sites shares it too
    assert all(service[5] is True for service in row.services)
    # Equal but not the same: ids and flags, numbers and texts stay apart.
    ids, flags, texts, again = loading._kept_values([[1, 0], [True, False], ["1", "0"], [1, 0]])
    assert ids == flags and ids is not flags and again is ids
    assert [type(item) for item in flags] == [bool, bool] and texts == ("1", "0")


def test_kept_markup_is_only_markup_built_safe():
    with pytest.raises(TypeError):
        markup.kept("<b>typed by hand</b>")
    kept = markup.kept(format_html("<b>{}</b>", "A & B"))
    joined = markup.concat_kept([kept, "<i>plain text</i>", mark_safe("<br>")])
    assert joined == "<b>A &amp; B</b>&lt;i&gt;plain text&lt;/i&gt;<br>"


def test_a_patch_keeps_the_memos_whose_keys_still_hold(client, directory):
    """Option lists are keyed by their counts, so they hold across an edit; a page of "why
    it matched" cards holds unless one of its providers changed."""
    glp = "/providers/?capability=glp-toxicology"
    biologics = "/providers/?capability=mammalian-biologics"
    client.get(glp)
    client.get(biologics)
    before = get_index().html_cache
    options = dict(before["facet-options"])
    pages = dict(before["query-cards"])
    beta = directory["beta"]  # shown for mammalian biologics, not for GLP toxicology
    assert "Beta Biologics" in client.get(biologics).content.decode()
    assert "Beta Biologics" not in client.get(glp).content.decode()
    beta.name = "Beta Biologics Europe"
    beta.save()
    html = client.get(biologics).content.decode()
    assert "Beta Biologics Europe" in html
    after = get_index().html_cache
    assert after is not before
    assert all(after["facet-options"].get(key) is html for key, html in options.items())
    kept = [key for key in pages if after["query-cards"].get(key) is pages[key]]
    without_beta = [key for key in pages if beta.pk not in key[1]]
    assert kept == without_beta and 0 < len(kept) < len(pages)  # GLP's kept, not biologics'


def test_memos_of_bitsets_keep_fewer_entries_where_a_directory_makes_them_large():
    from providers.directory.memo import BITSET_MEMO_BYTES, bitset_memo_limit

    # At 100,000 providers the counts memo keeps its 512 states (about 37 KB each).
    assert bitset_memo_limit(512, 100_000, 3) == 512
    # At a million providers it keeps what fits in its bytes (about 370 KB each).
    kept = bitset_memo_limit(512, 1_000_000, 3)
    assert kept < 512 and kept * 3 * 1_000_000 // 8 <= BITSET_MEMO_BYTES
    assert bitset_memo_limit(512, 10**9, 4) == 16  # never fewer than 16


def test_the_text_cache_keeps_fewer_searches_for_a_large_directory(directory, settings):
    from providers.directory import search

    settings.DIRECTORY_TEXT_CACHE_SIZE = 512
    search.clear_text_cache()
    for number in range(40):
        search.store_text("token", f"query {number}", f"match {number}", 10**7)
    assert len(search._text_cache) == 16  # 4 tiers of 1.25 MB each: at most 32 MB, 16 at least
    assert search.cached_text("token", "query 39") and not search.cached_text("token", "query 0")
    search.clear_text_cache()
