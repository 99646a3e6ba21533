"""One index per machine: gunicorn's master builds the directory index before it starts
its workers, and they share it.

A worker is a fork of the master (``preload_app``, config/gunicorn.py), so the index the
master installed is in every worker without a build of its own, in the same pages of
memory: the system copies a page only when a process writes to it. The index is read, not
written (a patch makes a new index that shares what it leaves alone), and frozen out of the
cycle collector's way (``gc.freeze``), so most of it stays one copy for the machine.
Each worker keeps its index fresh as before (``index.get_index``): a change is patched
into a worker's copy, which shares the rest with the master's.

A full build would be a worker's own, not shared. So a thread in the master keeps the
master's index current every ``DIRECTORY_SHARED_REFRESH`` seconds, and after it was built
anew asks gunicorn to start new workers (``SIGHUP``: with ``preload_app`` that forks them
from the master as it is now, and stops the old ones once their requests are answered),
which share the new index again. The workers leave the master the builds that every
process makes alike (after a catalogue edit, on a new day: ``index.keeper_pid``), answering
from their last index meanwhile, as they would during a build of their own; one that was not
replaced within ``DIRECTORY_SHARED_WAIT`` builds its own.
"""

import logging
import os
import signal
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.template import TemplateSyntaxError
from django.template.loader import get_template
from django.urls import reverse

from config.routing import buyer_reads
from providers.directory import index

log = logging.getLogger(__name__)


def build_before_workers(master_pid: int) -> None:
    """In gunicorn's master, before it forks its workers: build and install the index.
    If that fails (the database is not there yet), each worker builds its own on its
    first request, as without a shared index, and the keeper tries again."""
    started = time.monotonic()
    try:
        with buyer_reads():  # from the database the workers' requests read its token
            built = index.get_index()
    except Exception:
        log.exception("No directory index before the workers start; each builds its own.")
    else:
        log.info(
            "Directory index of %d providers built in %.1f s; the workers share it.",
            built.size,
            time.monotonic() - started,
        )
    finally:
        # A worker must not inherit this process's connections (one socket, two users).
        connections.close_all()
    warm()
    index.keeper_pid = master_pid  # its workers leave full builds to it
    threading.Thread(
        target=keep,
        args=(lambda: os.kill(master_pid, signal.SIGHUP),),
        daemon=True,
        name="directory-index-keeper",
    ).start()


def warm() -> None:
    """Load before the fork what every worker would otherwise load alike on its first
    requests, so that it too is in the master's pages: the URL patterns, and the project's
    templates compiled by the cached loader (about 10 MB less of each worker's own memory
    at 100,000 providers)."""
    reverse("providers:home")  # reversing a name reads every pattern
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            try:
                get_template(path.relative_to(folder).as_posix())
            except TemplateSyntaxError:
                log.exception("Template %s does not compile.", path)


def keep(restart_workers, interval: float | None = None, rounds: int | None = None) -> None:
    """The master's keeper thread: bring the index up to date every ``interval`` seconds
    and call ``restart_workers`` after it was built anew (``rounds``: stop after that
    many, for tests)."""
    interval = settings.DIRECTORY_SHARED_REFRESH if interval is None else interval
    done = 0
    while rounds is None or done < rounds:
        time.sleep(interval)
        done += 1
        try:
            close_old_connections()
            with buyer_reads():
                rebuilt = index.refresh()
            if rebuilt:
                log.info("Directory index built anew; starting workers that share it.")
                restart_workers()
        except Exception:
            log.exception("The master's directory index could not be brought up to date.")
        finally:
            connections.close_all()


# The connection pools a forked process copied from its parent (``DATABASE_POOL``), kept
# so that they are never freed here.
_inherited_pools: list = []


def _leave_pools_to_parent() -> None:
    """In a process just forked (a gunicorn worker): the pools it copied hold its parent's
    connections, whose sockets the parent goes on using, and no thread of theirs came
    along. Set them aside unclosed (closing would end the parent's sessions; psycopg never
    ends, when freeing it, a connection another process opened) so that this process opens
    pools of its own."""
    _inherited_pools.extend(DatabaseWrapper._connection_pools.values())
    DatabaseWrapper._connection_pools.clear()


os.register_at_fork(after_in_child=_leave_pools_to_parent)
