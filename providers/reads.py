"""The connection for the raw SQL of buyers' pages (index, search, cards, provider page).

The database router decides, as it does for the ORM: the read replica while a buyer's read
request runs and a replica is configured (config/routing.py), the primary otherwise. The
index token and the index itself are read through the same connection, so a replica that
lags a moment behind can never pair a new token with old rows.

``prepared_cursor()`` is for the hot queries whose text never changes (the provider page,
the API record): it binds parameters on the server, so that psycopg prepares the statement
on the connection after ``DATABASE_PREPARE_THRESHOLD`` runs and PostgreSQL stops parsing and
planning it on every request. The ORM's cursors bind on the client (Django's default) and
are never prepared.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper


def read_connection() -> BaseDatabaseWrapper:
    from providers.models import Provider

    return connections[router.db_for_read(Provider)]


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor of ``read_connection()`` that binds parameters on the server (``%s``
    placeholders, as usual), so its statements are prepared once they are hot. Django
    wraps it as any cursor: errors, and the query log of DEBUG and of tests, are the same.
    With ``DATABASE_PREPARE_THRESHOLD`` off, an ordinary cursor."""
    connection = read_connection()
    if settings.DATABASE_PREPARE_THRESHOLD is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor
