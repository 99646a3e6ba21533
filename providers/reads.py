"""The connection for the raw SQL of buyers' pages (index, search, cards, provider page).

The database router decides, as it does for the ORM: the read replica while a buyer's read
request runs and a replica is configured (config/routing.py), the primary otherwise. The
index token and the index itself are read through the same connection, so a replica that
lags a moment behind can never pair a new token with old rows.
"""

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper


def read_connection() -> BaseDatabaseWrapper:
    from providers.models import Provider

    return connections[router.db_for_read(Provider)]
