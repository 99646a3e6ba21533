"""The address a request really came from, for counting failed sign-ins.

Behind reverse proxies every request reaches the app from the nearest proxy's
address, and the client's own address travels in ``X-Forwarded-For``: each
proxy appends the address it received the request from. Only the entries our
own proxies appended can be trusted (a client may send any header it likes), so
with ``TRUSTED_PROXY_COUNT`` proxies in front of the app the client is the entry
that many places from the right of ``X-Forwarded-For`` plus ``REMOTE_ADDR``.
With no trusted proxy (the default) the header is ignored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or what the trusted proxies say it was."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded.strip():
        return _address(remote) or remote or None
    chain = [*forwarded.split(","), remote]
    # Fewer hops than configured: the furthest address known is the best there is.
    chosen = chain[max(0, len(chain) - 1 - proxies)]
    return _address(chosen) or _address(remote) or remote or None
