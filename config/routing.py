"""Buyers' reads from a PostgreSQL streaming replica; everything else from the primary.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database. The middleware
marks a request as a buyer's read (GET, HEAD or OPTIONS, outside the admin) for as long as
it runs; only then does the router send reads to the replica. Writes, the admin, any
unsafe-method request, reads inside a transaction, and sessions and accounts (which must
read what was just written) use the primary. Management commands, the shell and background
work have no request, so they use the primary too.

Raw SQL that buyers' pages run picks its connection with ``router.db_for_read`` as well.
Work done for buyers outside a request (the directory index's updates, in a thread of a
worker or in gunicorn's master) reads as they do, inside ``buyer_reads()``.
"""

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Read-your-writes matters for these: a login, a logout or a lockout must be seen at once.
# API keys too: a revoked key must stop working at once.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "axes", "admin", "contenttypes", "api"})

_buyer_read: contextvars.ContextVar[bool] = contextvars.ContextVar("buyer_read", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def is_buyer_read(request) -> bool:
    return request.method in SAFE_METHODS and not request.path_info.startswith(
        reverse("admin:index")
    )


@contextmanager
def buyer_reads():
    """Reads in this block go where a buyer's read request sends them (the replica, when one
    is configured): the directory's index is read from the database its token is compared
    with."""
    marker = _buyer_read.set(replica_configured())
    try:
        yield
    finally:
        _buyer_read.reset(marker)


class ReplicaReadsMiddleware:
    """Lets the router use the replica while a buyer's read request runs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = replica_configured()

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        marker = _buyer_read.set(is_buyer_read(request))
        try:
            return self.get_response(request)
        finally:
            _buyer_read.reset(marker)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            not _buyer_read.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication
