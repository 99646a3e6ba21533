"""The API reference page in real Chromium: Swagger UI served by this site renders the
generated schema under the site's strict Content-Security-Policy."""

import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def _blocking_calls_allowed(monkeypatch):
    # Playwright's sync API runs an event loop in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_reference_renders_from_local_files_within_the_csp(
    _blocking_calls_allowed, live_server, transactional_db
):
    from playwright.sync_api import sync_playwright

    from tests.factories import ensure_reference_data

    ensure_reference_data()
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is needed for the browser tests: apt-get install -y chromium")
    violations: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context()
        context.expose_binding("reportCspViolation", lambda source, text: violations.append(text))
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server.url}/api/v1/docs")
        page.locator(".opblock-summary-path", has_text="/api/v1/providers").first.wait_for(
            timeout=15_000
        )
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        browser.close()
    assert {"/api/v1/providers", "/api/v1/providers/{slug}", "/api/v1/changes"} <= {
        path.strip().replace("\u200b", "") for path in paths
    }
    assert violations == []
    assert all(url.startswith((live_server.url, "data:")) for url in requested)
