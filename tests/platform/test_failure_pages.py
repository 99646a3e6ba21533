"""Failure pages: styled 400, 403, 404 and 500 pages, and a styled 503 with Retry-After
whenever the database cannot be reached, wherever in the request the failure shows."""

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends.base import SessionBase
from django.db import InterfaceError, OperationalError, connection
from django.template.loader import render_to_string
from django.test import Client

from tests.factories import make_provider

SITE_BRAND = "Outsourcing provider directory"


def assert_styled(response, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert heading in body
    assert SITE_BRAND in body
    assert "/static/css/site.css" in body
    assert 'href="/providers/"' in body, "no way back to the directory"
    assert "Traceback" not in body
    return body


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as it does when the PostgreSQL server has gone away."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)


@pytest.fixture
def lenient_client():
    """A client that returns the 500/503 response instead of re-raising the exception."""
    return Client(raise_request_exception=False)


def assert_unavailable(response) -> None:
    assert_styled(response, 503, "The directory is briefly unavailable")
    assert response["Retry-After"] == "30"
    assert response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


# --- 400, 403, 404, 500 -----------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_address_is_a_styled_404(client):
    body = assert_styled(client.get("/no-such-page/"), 404, "There is no page at this address")
    assert "Page not found" in body


@pytest.mark.django_db
def test_unknown_provider_is_a_styled_404(client):
    assert_styled(client.get("/providers/not-there/"), 404, "There is no page at this address")


@pytest.mark.django_db
def test_404_page_reads_neither_session_nor_database(client, django_assert_num_queries):
    make_provider("Kappa Labs", slug="kappa-labs", types=("cro",))
    client.post("/providers/kappa-labs/shortlist/", {"action": "add"})
    assert client.cookies.get("sessionid"), "the buyer should have a session by now"
    with django_assert_num_queries(0):
        response = client.get("/no-such-page/")
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.urls("tests.platform.error_urls")
def test_permission_denied_is_a_styled_403(client):
    assert_styled(client.get("/test-errors/403"), 403, "You do not have access to this page")


@pytest.mark.django_db
@pytest.mark.urls("tests.platform.error_urls")
def test_suspicious_request_is_a_styled_400(client):
    assert_styled(client.get("/test-errors/400"), 400, "We could not understand that request")


@pytest.mark.django_db
def test_unknown_host_is_a_styled_400(client):
    response = client.get("/", headers={"host": "attacker.example"})
    assert_styled(response, 400, "We could not understand that request")


@pytest.mark.django_db
@pytest.mark.urls("tests.platform.error_urls")
def test_a_bug_is_a_styled_500_not_a_503(lenient_client):
    response = lenient_client.get("/test-errors/500")
    assert_styled(response, 500, "Something went wrong on our side")
    assert "Retry-After" not in response


def test_500_and_503_pages_render_without_database_or_request():
    # No django_db mark: any query here fails the test.
    for template, heading in [
        ("500.html", "Something went wrong on our side"),
        ("503.html", "The directory is briefly unavailable"),
    ]:
        html = render_to_string(template)
        assert heading in html
        assert 'href="/providers/"' in html
        assert 'id="shortlist-count"' not in html


# --- the database is unreachable --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, headers",
    [
        ("/", {}),
        ("/providers/", {}),
        ("/providers/?type=cdmo", {"HX-Request": "true"}),
        ("/providers/alpha-discovery/", {}),
        ("/lifecycle/", {}),
        ("/compare/?ids=1", {}),
    ],
)
def test_pages_answer_a_styled_503_while_the_database_is_down(
    lenient_client, directory, database_down, url, headers
):
    assert_unavailable(lenient_client.get(url, headers=headers))


@pytest.mark.django_db
def test_buyer_with_a_session_gets_503_not_500(lenient_client, directory, monkeypatch):
    lenient_client.post("/providers/alpha-discovery/shortlist/", {"action": "add"})
    assert lenient_client.get("/shortlist/").status_code == 200

    def refuse(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(connection, "cursor", refuse)
    # The session is read in the header's shortlist count and in the view.
    assert_unavailable(lenient_client.get("/shortlist/"))
    assert_unavailable(lenient_client.get("/"))


@pytest.mark.django_db
def test_signed_in_curator_gets_503_in_the_admin(lenient_client, curator_account, monkeypatch):
    lenient_client.force_login(curator_account)

    def refuse(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(connection, "cursor", refuse)
    assert_unavailable(lenient_client.get("/admin/providers/provider/"))


@pytest.mark.django_db
def test_failure_while_saving_the_session_is_a_503(lenient_client, directory, monkeypatch):
    """The session middleware writes after the view: its failure is caught too."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("could not write the session")

    monkeypatch.setattr(type(lenient_client.session), "save", refuse)
    monkeypatch.setattr(SessionBase, "cycle_key", refuse, raising=False)
    response = lenient_client.post("/providers/alpha-discovery/shortlist/", {"action": "add"})
    assert_unavailable(response)


@pytest.mark.django_db
def test_failure_in_the_auth_middleware_is_a_503(lenient_client, monkeypatch):
    def refuse(self, request):
        raise OperationalError("connection refused")

    monkeypatch.setattr(AuthenticationMiddleware, "process_request", refuse)
    assert_unavailable(lenient_client.get("/"))


@pytest.mark.django_db
@pytest.mark.urls("tests.platform.error_urls")
def test_database_error_from_a_view_is_a_503(lenient_client):
    assert_unavailable(lenient_client.get("/test-errors/db"))


@pytest.mark.django_db
def test_healthz_keeps_its_json_503_while_the_database_is_down(lenient_client, database_down):
    response = lenient_client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


# --- /healthz is never redirected -------------------------------------------------------


@pytest.mark.django_db
def test_healthz_over_plain_http_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301, "other pages still move to HTTPS"


@pytest.mark.django_db
def test_healthz_over_plain_http_reports_503_not_301(lenient_client, settings, database_down):
    settings.SECURE_SSL_REDIRECT = True
    assert lenient_client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_form_without_its_security_token_gets_a_styled_403(directory):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/providers/alpha-discovery/shortlist/", {"action": "add"})
    assert_styled(response, 403, "Your form could not be sent")
    assert response.wsgi_request.session.accessed is False, "the error page read the session"
