"""The directory's own address, reversed once per URL configuration and script prefix:
the directory's responses print it on every form, card and link, and each ``reverse``
costs more than the line of markup around it."""

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse


def directory_path() -> str:
    return _directory_path(get_urlconf(), get_script_prefix())


@lru_cache(maxsize=16)
def _directory_path(urlconf, prefix: str) -> str:
    return reverse("providers:directory", urlconf=urlconf)
