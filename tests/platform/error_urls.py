"""The site's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as site_urlpatterns


def forbidden(request):
    raise PermissionDenied("not for you")


def suspicious(request):
    raise SuspiciousOperation("odd input")


def broken(request):
    raise RuntimeError("a bug")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    *site_urlpatterns,
    path("test-errors/403", forbidden),
    path("test-errors/400", suspicious),
    path("test-errors/500", broken),
    path("test-errors/db", database_gone),
]
