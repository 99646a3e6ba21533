"""Errors as problem details (RFC 9457): ``application/problem+json`` with ``type``,
``title``, ``status`` and ``detail``, and for bad parameters a list naming each one and
what is wrong with it. Every error the API gives goes through here, a server error too."""

import json
import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
# Problem types are documented on /api/v1/problems (an anchor each); plain HTTP errors use
# "about:blank", whose title is the status phrase.
PROBLEMS = {
    "invalid-parameters": (
        "Invalid parameters",
        "One or more query parameters could not be understood; `errors` names each.",
    ),
    "invalid-cursor": (
        "Invalid cursor",
        "The cursor was not issued by this API, or belongs to another query: start again "
        "without it.",
    ),
    "cursor-expired": (
        "Cursor expired",
        "The directory changed and the provider the cursor stood after is no longer in the "
        "answer: start again without it.",
    ),
    "invalid-key": (
        "Invalid API key",
        "The X-API-Key header holds a key that does not exist or was revoked. Leave the header "
        "out to use the API anonymously at the anonymous rate.",
    ),
    "rate-limited": (
        "Too many requests",
        "The caller went past its requests per minute; `Retry-After` says how many seconds "
        "to wait.",
    ),
    "not-found": ("Not found", "Nothing published has this address."),
    "server-error": ("Server error", "Something failed on our side; the error was logged."),
}


def type_uri(kind: str) -> str:
    return f"/api/v1/problems#{kind}"


class ApiProblem(HttpError):
    """An error to answer as a problem of a documented type."""

    def __init__(self, status: int, kind: str, detail: str, errors: list | None = None):
        super().__init__(status, detail)
        self.kind = kind
        self.errors = errors


def problem_response(
    status: int, kind: str | None, title: str, detail: str, errors: list | None = None
) -> HttpResponse:
    body: dict = {
        "type": type_uri(kind) if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)


def problem(status: int, kind: str, detail: str, errors: list | None = None) -> HttpResponse:
    return problem_response(status, kind, PROBLEMS[kind][0], detail, errors)


def _parameter_errors(exc: ValidationError) -> list[dict]:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "query"
        name = ".".join(location[1:]) or where
        errors.append({"parameter": name, "location": where, "detail": str(error.get("msg", ""))})
    return errors


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = _parameter_errors(exc)
    names = ", ".join(dict.fromkeys(error["parameter"] for error in errors))
    detail = "; ".join(f"{error['parameter']}: {error['detail']}" for error in errors)
    return problem(400, "invalid-parameters", f"Not valid: {names}. {detail}", errors)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, ApiProblem):
        return problem(exc.status_code, exc.kind, exc.message, exc.errors)
    if isinstance(exc, Throttled):
        wait = f" Try again in {max(1, round(exc.wait))} s." if exc.wait else ""
        return problem(429, "rate-limited", "Too many requests for this caller." + wait)
    if isinstance(exc, AuthenticationError):
        return problem(401, "invalid-key", exc.message)
    return problem_response(exc.status_code, None, exc.message, exc.message)


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "not-found", str(exc) or PROBLEMS["not-found"][1])


def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s", request.path, exc_info=exc)
    return problem(500, "server-error", PROBLEMS["server-error"][1])


def not_found_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/: a problem, not the site's HTML 404 page."""
    return problem(404, "not-found", "There is no such API endpoint; see /api/v1/docs.")


def install(api) -> None:
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Exception, on_server_error)
