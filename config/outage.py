"""A styled 503 while the database cannot be reached, instead of a 500 per request.

``DatabaseUnavailableMiddleware`` sits above the session and authentication middleware.
Django turns every exception into a response at each middleware layer, so an error from
the session store or the auth middleware never reaches a plain ``try`` around
``get_response``. Instead, a receiver of ``got_request_exception`` (sent for every
uncaught exception, wherever it was raised) marks the request when the cause was a lost
database connection, and the middleware replaces that request's 500 with the 503 page.
Exceptions raised by the view itself are answered directly in ``process_exception``.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MARK = "_database_unavailable"


def is_database_outage(error: BaseException | None) -> bool:
    """True when ``error``, or what caused it, says the database connection failed."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def unavailable_response() -> HttpResponse:
    """The 503 page: a static template, rendered without touching the request."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def mark_outage(sender, request=None, **kwargs) -> None:
    if request is not None and is_database_outage(sys.exc_info()[1]):
        setattr(request, MARK, True)


got_request_exception.connect(mark_outage, dispatch_uid="config.outage.mark_outage")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, MARK, False) and response.status_code >= 500:
            return unavailable_response()
        return response

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        logger.warning("Database unavailable while serving %s: %s", request.path, exception)
        setattr(request, MARK, True)
        return unavailable_response()
