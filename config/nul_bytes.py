"""Refuse requests that carry a NUL character, before anything reaches the database.

PostgreSQL cannot store NUL in text, so a NUL in a filter, a form field, a cookie or
a header the app records (django-axes keeps the user agent of failed sign-ins) would
end as a database error. No honest browser or link sends one, and quietly removing it
would change what a curator saved or which record an address names, so the whole
request is answered with 400 and a sentence saying why. Uploaded files are not
inspected: binary spreadsheets contain NUL bytes and are read by the importer.
"""

from django.http import HttpRequest, HttpResponseBadRequest

NUL = "\x00"
MESSAGE = (
    "This request contains a NUL character (%00), which no address, form field or header "
    "of this site accepts. Remove it and try again."
)


def _has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info or _has_nul(request.GET):
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


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if carries_nul(request):
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
