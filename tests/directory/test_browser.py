"""What only a real browser shows: htmx updates without reloads, the address bar and the back
button, keyboard use, pages without JavaScript, small screens, and accessibility (axe-core).

Runs Debian's Chromium through Playwright against a live server.
"""

import shutil

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module", autouse=True)
def _blocking_calls_allowed():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # fixtures of these tests are ordinary blocking ones. Only for this module.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(autouse=True)
def _reference_data(_blocking_calls_allowed, transactional_db):
    from tests.factories import ensure_reference_data

    ensure_reference_data()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is needed for the browser tests: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def result_names(page) -> list[str]:
    return page.locator("#results .result h3 a").all_inner_texts()


def wait_for_results(page, expected: list[str]) -> None:
    page.wait_for_function(
        "expected => JSON.stringify([...document.querySelectorAll('#results .result h3 a')]"
        ".map(a => a.textContent)) === JSON.stringify(expected)",
        arg=expected,
    )


def test_filters_update_results_and_address_without_a_reload(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    page.evaluate("window.loadedOnce = true")
    page.get_by_label("Delivery", exact=False).first.check()
    wait_for_results(page, ["Beta Biologics", "Delta Oligo", "Epsilon Agro", "Gamma Manufacturing"])
    page.locator("#f-type-cmo").check()
    wait_for_results(page, ["Epsilon Agro", "Gamma Manufacturing"])
    assert page.evaluate("window.loadedOnce") is True  # no full page load happened
    assert "stage=delivery" in page.url and "type=cmo" in page.url
    # The counts moved with the filters.
    assert page.locator("label[for=f-type-cro] .count").inner_text().startswith("1")
    # Screen readers hear the new total.
    assert page.locator("#result-status").inner_text().startswith("2 providers")

    page.go_back()
    wait_for_results(page, ["Beta Biologics", "Delta Oligo", "Epsilon Agro", "Gamma Manufacturing"])
    assert "type=cmo" not in page.url
    page.go_forward()
    wait_for_results(page, ["Epsilon Agro", "Gamma Manufacturing"])
    page.reload()
    assert result_names(page) == ["Epsilon Agro", "Gamma Manufacturing"]
    assert page.locator("#f-type-cmo").is_checked()


def test_typing_a_search_updates_results(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    page.locator("#q").press_sequentially("oligo", delay=30)
    wait_for_results(page, ["Delta Oligo"])
    assert "q=oligo" in page.url
    assert page.locator("#q").evaluate("el => el === document.activeElement")


def test_filters_work_from_the_keyboard(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    page.locator("#q").focus()
    # Tab through the form to the first type checkbox and tick it with the space bar.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-type-cro":
            break
    assert page.evaluate("document.activeElement.id") == "f-type-cro"
    page.keyboard.press("Space")
    wait_for_results(page, ["Alpha Discovery", "Delta Oligo"])
    # Focus stays where the buyer was after the update.
    assert page.evaluate("document.activeElement.id") == "f-type-cro"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_shortlist_and_compare(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/?type=cdmo")
    page.locator("#shortlist-beta-biologics button").click()
    page.wait_for_selector("#shortlist-beta-biologics button[aria-pressed=true]")
    page.locator("#shortlist-delta-oligo button").click()
    page.wait_for_selector("#shortlist-delta-oligo button[aria-pressed=true]")
    expect(page.locator("#shortlist-count")).to_contain_text("2")

    page.get_by_role("link", name="Shortlist").click()
    assert page.locator(".results .result h3 a").all_inner_texts() == [
        "Beta Biologics",
        "Delta Oligo",
    ]
    page.get_by_role("link", name="Compare").click()
    assert "p=beta-biologics" in page.url and "p=delta-oligo" in page.url
    table = page.locator("table.compare")
    assert "Mammalian cell culture biologics manufacture" in table.inner_text()
    assert page.locator("table.compare tr.differs").count() > 0
    # The comparison is a shareable link: a fresh context sees the same table.
    other = page.context.browser.new_context(bypass_csp=True).new_page()
    other.goto(page.url)
    assert other.locator("table.compare thead th").all_inner_texts() == [
        "Beta Biologics",
        "Delta Oligo",
    ]
    other.context.close()

    with page.expect_download() as download:
        page.goto(f"{live_server.url}/shortlist/")
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        content = exported.read()
    assert "Beta Biologics" in content and "Delta Oligo" in content


def test_everything_works_without_javascript(browser, live_server, directory):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/providers/")
    page.locator("#f-type-cmo").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**type=cmo**")
    assert result_names(page) == ["Epsilon Agro", "Gamma Manufacturing"]
    page.locator("#shortlist-gamma-manufacturing button").click()
    page.wait_for_load_state()
    assert (
        page.locator("#shortlist-gamma-manufacturing button").get_attribute("aria-pressed")
        == "true"
    )
    page.get_by_role("link", name="Gamma Manufacturing").click()
    assert page.locator("h1").inner_text() == "Gamma Manufacturing"
    context.close()


PAGES = [
    "/",
    "/providers/",
    "/providers/?type=cmo&stage=discovery",
    "/providers/beta-biologics/",
    "/lifecycle/",
    "/compare/?p=beta-biologics&p=delta-oligo&p=alpha-discovery",
    "/shortlist/",
]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(page, live_server, directory, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(f"{live_server.url}{path}")
    results = Axe().run(page)
    bad = [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert bad == []


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_375_pixel_screen(browser, live_server, directory, path):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert overflow <= 375


def test_no_asset_comes_from_another_host(page, live_server, directory):
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/providers/")
    page.locator("#f-type-cro").check()
    wait_for_results(page, ["Alpha Discovery", "Delta Oligo"])
    assert hosts == {live_server.url.split("/")[2]}


def test_on_a_phone_results_come_first_and_filters_unfold(browser, live_server, directory):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/providers/?type=cmo")
    panel = page.locator(".filters-panel")
    expect(panel).not_to_have_attribute("open", "")
    assert "(1 active)" in page.locator(".filters-summary").inner_text()
    page.locator(".filters-summary").click()
    expect(panel).to_have_attribute("open", "")
    page.locator("#f-type-cro").check()
    wait_for_results(
        page, ["Alpha Discovery", "Delta Oligo", "Epsilon Agro", "Gamma Manufacturing"]
    )
    expect(page.locator(".filters-panel")).to_have_attribute("open", "")  # stays as chosen
    context.close()


def test_sorting_updates_results_and_the_page_breaks_no_security_policy(
    page, live_server, directory
):
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{live_server.url}/providers/")
    page.evaluate("window.loadedOnce = true")
    page.locator("#sort").select_option("verified")
    wait_for_results(
        page,
        ["Beta Biologics", "Alpha Discovery", "Delta Oligo", "Epsilon Agro", "Gamma Manufacturing"],
    )
    assert "sort=verified" in page.url
    assert "q=" not in page.url and "cover_from" not in page.url  # empty fields left out
    assert page.evaluate("window.loadedOnce") is True
    assert problems == []
