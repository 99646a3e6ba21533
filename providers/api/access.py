"""Who is calling and how often: anonymous callers (per client address) or API keys
(``X-API-Key``), each with a number of requests per minute.

Requests are counted per caller in fixed one-minute windows in Django's cache: with
``REDIS_URL`` that is Redis, shared by every worker and app server, so the limit holds for
the whole site; without it each process counts on its own (the limit is then per worker).
"""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import APIKeyHeader
from ninja.throttling import BaseThrottle

from config.client_ip import client_ip
from providers.api.models import ApiKey
from providers.api.problems import ApiProblem

WINDOW_SECONDS = 60
HEADER = "X-API-Key"


@dataclass(frozen=True)
class Caller:
    ident: str  # what requests are counted against
    rate: int  # requests per minute
    key: ApiKey | None = None


class KeyOrAnonymous(APIKeyHeader):
    """An API key when the header is sent (it must then be valid), anonymous otherwise."""

    param_name = HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller:
        key = (key or "").strip()
        if not key:
            address = client_ip(request) or "unknown"
            return Caller(f"anon:{address}", settings.API_ANONYMOUS_RATE_PER_MINUTE)
        found = ApiKey.objects.matching(key)
        if found is None:
            raise ApiProblem(401, "invalid-key", "This API key is not valid.")
        if found.is_revoked:
            raise ApiProblem(401, "invalid-key", "This API key was revoked.")
        found.record_use()
        return Caller(f"key:{found.pk}", found.rate, found)


class PerCallerRate(BaseThrottle):
    """At most ``caller.rate`` requests in each minute; the rest answered 429."""

    def __init__(self) -> None:
        self._wait = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        caller: Caller = request.auth  # set by KeyOrAnonymous, which runs first
        now = time.time()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        counter = f"api-rate:{caller.ident}:{window}"
        cache.add(counter, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add() and incr()
            cache.set(counter, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
        self._wait.seconds = window + WINDOW_SECONDS - now
        return count <= caller.rate

    def wait(self) -> float | None:
        return getattr(self._wait, "seconds", None)
