# ruff: noqa: F811  (the browser fixtures are imported from the directory's browser tests)
"""The account pages in real Chromium: axe finds no serious or critical violation, they fit
a 375 px screen, and signing up, in and saving a search work without JavaScript."""

import re

import pytest
from django.core import mail as django_mail

from providers.accounts.models import ProviderMembership, SavedSearch, ShortlistEntry
from tests.accounts.conftest import PASSWORD, make_buyer
from tests.directory.test_browser import (  # noqa: F401
    _blocking_calls_allowed,
    _reference_data,
    browser,
    close_and_check,
    page,
    watched_context,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISITOR_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]
MEMBER_PAGES = [
    "/accounts/",
    "/accounts/searches/",
    "/accounts/alerts/",
    "/accounts/claim/alpha-discovery/",
    "/accounts/providers/beta-biologics/",
    "/providers/?type=cdmo",
]


def sign_in(context, live_server, email="rep@beta.example") -> None:
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    page.close()


@pytest.fixture
def member(directory):
    user = make_buyer("rep@beta.example")
    ProviderMembership.objects.create(user=user, provider=directory["beta"])
    SavedSearch.objects.create(user=user, name="CDMOs", query="type=cdmo")
    return user


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", VISITOR_PAGES + MEMBER_PAGES)
def test_account_pages_pass_axe_and_fit_375_pixels(browser, live_server, member, path):
    for viewport in ({"width": 1280, "height": 900}, {"width": 375, "height": 800}):
        context = watched_context(browser, viewport=viewport)
        if path in MEMBER_PAGES:
            sign_in(context, live_server)
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        assert page.url == f"{live_server.url}{path}"
        if viewport["width"] == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        else:
            assert serious_violations(page) == []
        close_and_check(context)


def test_sign_up_sign_in_and_save_a_search_without_javascript(browser, live_server, directory):
    context = watched_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/providers/beta-biologics/")
    page.locator("#shortlist-beta-biologics button").click()  # as a visitor
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("new@pharma.example")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    link = re.search(r"http://[^\s]+/accounts/confirm-email/[^\s]+", django_mail.outbox[-1].body)
    page.goto(link.group(0).replace("http://testserver", live_server.url))
    page.get_by_role("button", name="Confirm").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("new@pharma.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert ShortlistEntry.objects.get().provider.slug == "beta-biologics"  # merged

    page.goto(f"{live_server.url}/providers/?type=cmo")
    page.get_by_label("Save this search as").fill("CMOs")
    page.get_by_role("button", name="Save this search").click()
    page.wait_for_url(f"{live_server.url}/accounts/searches/")
    assert page.get_by_role("link", name="CMOs").get_attribute("href") == "/providers/?type=cmo"
    close_and_check(context)
