"""Keep NUL characters away from the database, which cannot store them in text.

Two cases, on purpose:

- **Query strings** are addresses: read, never stored, and every parameter is checked
  against a whitelist that reports or ignores what it does not understand. A NUL there
  (``%00``) becomes U+FFFD, the character Django already puts in place of bytes it cannot
  decode, so the value is simply not understood: a buyer's page still answers and says so,
  an admin filter matches nothing.
- **Everything else** (the path, form fields, cookies, headers) is refused with 400 and a
  sentence saying why. Form fields are what curators save: silently changing them would
  store something nobody typed. No browser sends NUL in a cookie or header, and some are
  recorded (django-axes keeps the user agent of failed sign-ins). Uploaded files are not
  inspected: binary spreadsheets hold NUL bytes and the importer reads them itself.
"""

import re

from django.http import HttpRequest, HttpResponseBadRequest, QueryDict

NUL = "\x00"
ENCODED_NUL = re.compile(r"%00")
REPLACEMENT = "%EF%BF%BD"  # U+FFFD in UTF-8, percent-encoded
MESSAGE = (
    "This request contains a NUL character (%00), which no form field, cookie or header "
    "of this site accepts. Remove it and try again."
)


def _has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def carries_nul(request: HttpRequest) -> bool:
    """Whether the path, a cookie, a header or a posted form field holds a NUL."""
    if NUL in request.path_info:
        return True
    # Cookies are checked once parsed: a quoted cookie may spell NUL as an escape (\000).
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    if any(
        NUL in value
        for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    ):
        return True
    return request.method == "POST" and _has_nul(request.POST)


def clean_query_string(request: HttpRequest) -> None:
    """Replace every NUL of the query string with U+FFFD, for ``request.GET`` and links alike."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        query = ENCODED_NUL.sub(REPLACEMENT, query).replace(NUL, REPLACEMENT)
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query, encoding=request.encoding)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        clean_query_string(request)
        if carries_nul(request):
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
