"""What only a real browser shows: htmx updates without reloads, the address bar and the back
button, keyboard use, pages without JavaScript, small screens, and accessibility (axe-core).

Runs Debian's Chromium through Playwright against a live server.
"""

import shutil
from urllib.parse import parse_qs, urlsplit

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


# Every page opened by these tests reports Content-Security-Policy violations to Python,
# and a test that caused one fails, whatever else it checks.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"} ` +
    `at ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""


def watched_context(browser, **options):
    """A browser context whose pages record CSP violations in ``context.csp_violations``."""
    context = browser.new_context(**options)
    context.csp_violations = []
    context.expose_binding(
        "reportCspViolation", lambda source, text: context.csp_violations.append(text)
    )
    context.add_init_script(CSP_WATCH)
    return context


def close_and_check(context) -> None:
    violations = context.csp_violations
    context.close()
    assert violations == [], "The page broke its Content-Security-Policy"


@pytest.fixture
def page(browser):
    context = watched_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    close_and_check(context)


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


def test_the_page_title_follows_the_filters_without_a_reload(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    assert page.title().startswith("Directory: ")
    page.locator("#f-type-cdmo").check()
    wait_for_results(page, ["Beta Biologics", "Delta Oligo"])
    page.wait_for_function("() => document.title.startsWith('CDMO: ')", timeout=3000)
    assert page.title() == "CDMO: 2 providers · Outsourcing provider directory"
    assert page.locator("title").count() == 1  # the answer's title is not left in the body


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
    # A click does not wait for the page it opens: wait for it before reading it.
    page.wait_for_url("**/shortlist/")
    expect(page.locator(".results .result h3 a")).to_have_count(2)
    assert page.locator(".results .result h3 a").all_inner_texts() == [
        "Beta Biologics",
        "Delta Oligo",
    ]
    page.get_by_role("link", name="Compare").click()
    page.wait_for_url("**/compare/?*")
    assert "p=beta-biologics" in page.url and "p=delta-oligo" in page.url
    table = page.locator("table.compare")
    assert "Mammalian cell culture biologics manufacture" in table.inner_text()
    assert page.locator("table.compare tr.differs").count() > 0
    # The comparison is a shareable link: a fresh context sees the same table.
    other_context = watched_context(page.context.browser)
    other = other_context.new_page()
    other.goto(page.url)
    assert other.locator("table.compare thead th").all_inner_texts() == [
        "Beta Biologics",
        "Delta Oligo",
    ]
    close_and_check(other_context)

    with page.expect_download() as download:
        page.goto(f"{live_server.url}/shortlist/")
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        content = exported.read()
    assert "Beta Biologics" in content and "Delta Oligo" in content


def test_everything_works_without_javascript(browser, live_server, directory):
    context = watched_context(browser, java_script_enabled=False)
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
    close_and_check(context)


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


def test_a_provider_page_with_regulator_records_passes_axe_and_fits_375_pixels(
    browser, live_server, directory
):
    from axe_playwright_python.sync_playwright import Axe

    from tests.factories import add_regulator_records

    add_regulator_records(directory["gamma"])
    context = watched_context(browser, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/providers/gamma-manufacturing/")
    assert page.locator("table.inspections a", has_text="Dashboard").count() == 1
    results = Axe().run(page)
    bad = [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    overflow = page.evaluate("document.documentElement.scrollWidth")
    close_and_check(context)
    assert bad == []
    assert overflow <= 375


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_375_pixel_screen(browser, live_server, directory, path):
    context = watched_context(browser, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    close_and_check(context)
    assert overflow <= 375


@pytest.mark.parametrize("width", [375, 1280])
def test_a_long_unbroken_search_that_matches_nothing_stays_inside_the_page(
    browser, live_server, directory, width
):
    """The suggestions under "no provider matches" quote the search: a pasted string with
    no spaces (an identifier, a web address) wraps instead of running off the screen."""
    context = watched_context(browser, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/providers/?q={'x' * 150}")
    expect(page.locator(".empty")).to_contain_text("Remove the search")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    box = page.locator(".empty").bounding_box()
    link = page.locator(".empty a").first.bounding_box()
    close_and_check(context)
    assert overflow <= width
    assert link["x"] + link["width"] <= box["x"] + box["width"]


def test_no_asset_comes_from_another_host(page, live_server, directory):
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/providers/")
    page.locator("#f-type-cro").check()
    wait_for_results(page, ["Alpha Discovery", "Delta Oligo"])
    assert hosts == {live_server.url.split("/")[2]}


def test_on_a_phone_results_come_first_and_filters_unfold(browser, live_server, directory):
    context = watched_context(browser, viewport={"width": 375, "height": 800})
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
    close_and_check(context)


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


def test_an_inline_style_set_by_a_script_breaks_no_security_policy_on_a_swap(
    page, live_server, directory
):
    # A script outside the page's own (a browser extension, an automation tool taking a
    # screenshot) may give the filter form's fields an inline style. htmx's settle step
    # must not copy that style attribute onto the swapped-in fields: the policy forbids
    # inline styles, so the copy would be blocked and reported on every swap.
    page.goto(f"{live_server.url}/providers/")
    page.evaluate(
        "() => document.querySelectorAll('#filters input, #filters select')"
        ".forEach(field => { field.style.outline = '1px solid'; })"
    )
    page.locator("#f-type-cmo").check()
    wait_for_results(page, ["Epsilon Agro", "Gamma Manufacturing"])
    page.wait_for_timeout(100)  # past htmx's settle delay (20 ms)
    assert page.context.csp_violations == []


def test_a_broken_security_policy_is_noticed(page, live_server, directory):
    # The watcher the other tests rely on: an inline script, which the policy forbids, is
    # blocked and reported. (The list is emptied again so this test itself passes.)
    page.goto(f"{live_server.url}/providers/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
    )
    page.wait_for_function("() => true")  # let the report arrive
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("window.inlineRan === undefined")
    violations = page.context.csp_violations
    assert len(violations) == 1 and "script-src" in violations[0]
    violations.clear()


# htmx: shared settings, input kept while typing, history, open panels, one live region.


def directory_requests(page) -> list[str]:
    """The query strings of the directory requests htmx makes, in order."""
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url.partition("?")[2])
            if request.headers.get("hx-request") and "/providers/" in request.url
            else None
        ),
    )
    return sent


def test_htmx_settings_are_inherited_from_one_element(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/?type=cdmo&q=o")
    for name in ("hx-target", "hx-swap", "hx-push-url", "hx-indicator", "hx-sync"):
        shared = page.locator("#directory-app").get_attribute(f"data-{name}")
        assert shared, f"{name} is not set on the shared parent"
        # Elements below it only say where they differ; none repeats the shared setting.
        # (Shortlist buttons sit behind an inheritance boundary and say their own settings.)
        repeated = page.locator(
            f"#directory-app [{name}='{shared}']:not([data-hx-disinherit] *),"
            f" #directory-app [data-{name}='{shared}']:not([data-hx-disinherit] *)"
        )
        assert repeated.count() == 0, f"{name} repeated below the shared parent"


def settled(page, url) -> None:
    """Wait for the address to change and for htmx to finish swapping the answer in."""
    page.wait_for_url(url)
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping')")
    page.wait_for_load_state("networkidle")


def searched(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("q", [])


def test_typing_after_a_pause_keeps_every_character(page, live_server, directory):
    sent = directory_requests(page)
    page.goto(f"{live_server.url}/providers/")
    search = page.locator("#q")
    search.press_sequentially("fill ", delay=40)
    page.wait_for_url(lambda url: searched(url) == ["fill "])  # the first answer is shown
    page.wait_for_load_state("networkidle")
    search.press_sequentially("finish", delay=40)
    page.wait_for_url(lambda url: searched(url) != ["fill "])
    assert searched(page.url) == ["fill finish"]
    assert search.input_value() == "fill finish"
    assert [searched(f"?{query}") for query in sent] == [["fill "], ["fill finish"]]


def release(route) -> None:
    """Let a held request through, unless htmx has meanwhile cancelled it (a newer search
    replaces an older one in flight), which settles the route by itself."""
    from playwright.sync_api import Error

    try:
        route.continue_()
    except Error as error:
        if "already handled" not in str(error):
            raise


def test_typing_while_a_request_is_in_flight_loses_nothing(page, live_server, directory):
    held = []

    def searching(url: str) -> bool:
        return "/providers/?" in url

    # Answers wait until the test lets them through.
    page.route(searching, lambda route: held.append(route))
    page.goto(f"{live_server.url}/providers/")
    search = page.locator("#q")
    search.press_sequentially("fill ", delay=40)
    for _ in range(50):  # the debounced search for "fill " goes out
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "no search request was made"
    search.press_sequentially("fin", delay=40)
    release(held.pop(0))  # its answer arrives while the buyer is still typing
    page.wait_for_timeout(200)
    search.press_sequentially("ish", delay=40)
    page.unroute(searching)
    for route in held:
        release(route)
    page.wait_for_url(lambda url: searched(url) == ["fill finish"])
    wait_for_results(page, ["Beta Biologics"])
    assert search.input_value() == "fill finish"


def test_typing_replaces_the_history_entry_and_each_filter_adds_one(page, live_server, directory):
    from tests.factories import make_provider

    for number in range(21):  # enough for a second page
        make_provider(f"Zeta Labs {number:02}", slug=f"zeta-labs-{number:02}", types=("cdmo",))
    page.goto(f"{live_server.url}/providers/")
    start = page.evaluate("history.length")
    page.locator(".pagination a[rel=next]").click()
    settled(page, "**page=2**")
    assert page.evaluate("history.length") == start + 1  # a page link adds an entry
    page.locator("#q").press_sequentially("o", delay=40)
    settled(page, "**q=o**")
    page.locator("#q").press_sequentially("li", delay=400)  # two searches, one after the other
    settled(page, "**q=oli**")
    assert page.evaluate("history.length") == start + 1  # typing replaced the entry
    page.locator("#f-type-cdmo").check()
    settled(page, "**type=cdmo**")
    page.locator("#sort").select_option("verified")
    settled(page, "**sort=verified**")
    assert page.evaluate("history.length") == start + 3  # one per committed change
    page.go_back()
    page.wait_for_url(lambda url: "sort=verified" not in url and "type=cdmo" in url)
    page.go_back()
    page.wait_for_url(lambda url: "type=cdmo" not in url and "q=oli" in url)


def test_facet_panels_the_buyer_opened_stay_open(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    modality = page.locator("details.facet", has=page.locator("summary", has_text="Modality"))
    expect(modality).not_to_have_attribute("open", "")
    modality.locator("summary").click()
    expect(modality).to_have_attribute("open", "")
    page.locator("#f-type-cdmo").check()
    wait_for_results(page, ["Beta Biologics", "Delta Oligo"])
    expect(modality).to_have_attribute("open", "")
    assert page.locator("#f-modality-oligonucleotide").is_visible()


def test_the_live_region_exists_once_and_is_written_once_per_swap(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    page.evaluate(
        """() => {
          window.region = document.querySelector('#result-status');
          window.heard = [];
          new MutationObserver(() => window.heard.push(window.region.textContent.trim()))
            .observe(window.region, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.locator("#f-type-cmo").check()
    wait_for_results(page, ["Epsilon Agro", "Gamma Manufacturing"])
    page.wait_for_load_state("networkidle")
    assert page.locator("[aria-live]").count() == 1
    assert page.locator("#result-status").count() == 1
    # The same element is written (a replaced one is not announced by every screen reader).
    assert page.evaluate("document.querySelector('#result-status') === window.region")
    assert page.evaluate("window.heard") == ["2 providers match."]


def test_the_search_box_follows_changes_made_elsewhere(page, live_server, directory):
    page.goto(f"{live_server.url}/providers/")
    search = page.locator("#q")
    search.press_sequentially("oligo", delay=40)
    settled(page, "**q=oligo**")
    page.locator("#f-type-cdmo").check()
    settled(page, "**type=cdmo**")
    page.get_by_role("link", name="Clear all").click()
    settled(page, lambda url: "q=" not in url and "type=" not in url)
    assert search.input_value() == ""
    page.go_back()  # back to the search and the filter
    page.wait_for_url("**type=cdmo**")
    expect(search).to_have_value("oligo")
    wait_for_results(page, ["Delta Oligo"])


def test_the_lifecycle_explorer_scrolls_inside_its_frame_on_a_phone(
    browser, live_server, directory
):
    context = watched_context(browser, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/lifecycle/")
    frame = page.locator("#track-pharma ~ .table-scroll").first
    sizes = frame.evaluate("(element) => [element.scrollWidth, element.clientWidth]")
    assert sizes[0] > sizes[1]  # the table is wider than its frame ...
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # ... not the page
    expect(page.locator("#scroll-hint-pharma")).to_be_visible()
    frame.evaluate("(element) => { element.scrollLeft = 200; }")
    assert frame.evaluate("(element) => element.scrollLeft") > 0
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("#scroll-hint-pharma")).to_be_hidden()  # wide enough: no hint
    close_and_check(context)


def phone(browser, **options):
    context = watched_context(browser, viewport={"width": 375, "height": 800}, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


HEADING_IN_VIEW = """() => {
  const box = document.querySelector('#results-heading').getBoundingClientRect();
  return box.top > -1 && box.bottom <= window.innerHeight;  // scrolled to, give or take a pixel
}"""


def in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] > -1 and box["y"] + box["height"] <= 800


def test_on_a_phone_show_results_stays_in_view_and_jumps_to_the_results(
    browser, live_server, directory
):
    context, page = phone(browser)
    page.goto(f"{live_server.url}/providers/")
    page.locator(".filters-summary").click()
    show = page.locator("a.show-results")
    expect(show).to_have_text("Show 5 results")  # the published providers of the directory
    # Deep in the open filters, the control stays at the bottom of the screen ...
    page.locator("details[data-panel=modality] > summary").click()
    page.locator("details[data-panel=phase]").evaluate("(e) => e.scrollIntoView()")
    assert page.evaluate("window.scrollY") > 300
    assert not in_view(page.locator("#results-heading"))
    assert in_view(show)
    assert show.bounding_box()["y"] > 700  # at the bottom of the screen, over the filters
    # ... and takes the buyer to the results.
    show.click()
    page.wait_for_url("**#results")
    page.wait_for_function(HEADING_IN_VIEW)
    # After a filter changes the answer, it says the new total and still jumps there.
    page.locator("#f-type-cmo").check()
    expect(show).to_have_text("Show 2 results")
    page.locator("#f-type-cmo").scroll_into_view_if_needed()
    assert in_view(show)
    assert not page.evaluate(HEADING_IN_VIEW)
    show.click()
    page.wait_for_function(HEADING_IN_VIEW)
    expect(page.locator("#results-heading")).to_contain_text("2 providers")
    close_and_check(context)


def test_on_a_phone_the_filter_panel_is_no_taller_than_needed(browser, live_server, directory):
    context, page = phone(browser)
    page.goto(f"{live_server.url}/providers/")
    page.locator(".filters-summary").click()
    height = "(element) => element.getBoundingClientRect().height"
    panel = page.locator(".filters-panel")
    assert panel.evaluate(height) < 1500  # as it opens: types, stages and phases
    page.evaluate(
        "document.querySelectorAll('.filters-panel details.facet').forEach(d => d.open = true)"
    )
    capability = page.locator("details[data-panel=capability]")
    # 109 capabilities: the most offered are listed, the rest fold behind "Show all".
    assert capability.locator("input[name=capability]:visible").count() <= 8
    assert capability.evaluate(height) < 700
    assert panel.evaluate(height) < 4000  # every facet open (over 8,000 px unfolded)
    close_and_check(context)

    # Unfolding needs no JavaScript, and a chosen option is never folded away.
    context, page = phone(browser, java_script_enabled=False)
    page.goto(f"{live_server.url}/providers/?capability=viral-vector")
    capability = page.locator("details[data-panel=capability]")
    expect(capability.locator("#f-capability-viral-vector")).to_be_visible()
    expect(capability.locator("#f-capability-viral-vector")).to_be_checked()
    hidden = capability.locator("#f-capability-radiolabelling")
    expect(hidden).to_be_hidden()
    capability.get_by_text("Show all 109 capabilities").click()
    expect(hidden).to_be_visible()
    close_and_check(context)


def test_keyboard_focus_stays_on_the_shortlist_button_after_an_htmx_swap(
    page, live_server, directory
):
    page.goto(f"{live_server.url}/providers/")
    button = page.locator("#shortlist-beta-biologics button")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")  # again, from where the focus was left: removed
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()
    # After the results were swapped in by a filter, the same holds for the new buttons.
    page.locator("#f-type-cdmo").check()
    wait_for_results(page, ["Beta Biologics", "Delta Oligo"])
    page.locator("#shortlist-delta-oligo button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#shortlist-delta-oligo button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#shortlist-delta-oligo button")).to_be_focused()
    assert "type=cdmo" in page.url


def test_keyboard_focus_stays_on_the_shortlist_button_after_a_full_page_load(
    page, live_server, directory
):
    # Without htmx (here: its script never arrives) the button posts the form, the page comes
    # back, and the focus with it.
    page.route("**/htmx*.js", lambda route: route.abort())
    page.goto(f"{live_server.url}/providers/?type=cdmo")
    page.locator("#shortlist-delta-oligo button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**type=cdmo#shortlist-delta-oligo")
    expect(page.locator("#shortlist-delta-oligo button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#shortlist-delta-oligo button")).to_be_focused()
