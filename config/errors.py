"""The site's 400, 403, 404 and 500 pages.

Each is rendered from a plain template with no request context: no context processor
runs, so showing an error never reads the session or the database (which may be the
very thing that failed).
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token


def error_page(template: str, status: int) -> HttpResponse:
    return HttpResponse(render_to_string(template), status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return error_page("400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return error_page("403.html", 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return error_page("404.html", 404)


@requires_csrf_token
def server_error(request):
    return error_page("500.html", 500)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (CSRF_FAILURE_VIEW)."""
    return error_page("403_csrf.html", 403)
