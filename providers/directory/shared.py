"""One index per machine: gunicorn's master builds the directory index before it starts
its workers, and they share it.

A worker is a fork of the master (``preload_app``, config/gunicorn.py), so the index the
master installed is in every worker without a build of its own, in the same pages of
memory: the system copies a page only when a process writes to it. The index is read, not
written (a patch makes a new index that shares what it leaves alone), and frozen out of the
cycle collector's way (``gc.freeze``), so most of it stays one copy for the machine.
Each worker keeps its index fresh as before (``index.get_index``): a change is patched
into a worker's copy, which shares the rest with the master's.

A full build would be a worker's own, not shared. So a thread in the master (the keeper)
keeps the master's index current every ``DIRECTORY_SHARED_REFRESH`` seconds and, after it
was built anew, replaces the workers one at a time with forks of the master as it is now,
which share the new index again. The workers leave the master the full builds every
process makes alike (a catalogue edit, a new day), answering from their last index
meanwhile, as during a build of their own, for as long as the keeper is heard from
(``heartbeat``) and at most ``DIRECTORY_SHARED_WAIT``; past that they build their own. A
bulk change is built by each process that sees it whole.
"""

import gc
import logging
import os
import signal
import threading
import time
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.template.loader import get_template
from django.urls import reverse

from config.routing import buyer_reads
from providers.directory import counting, heartbeat, index

log = logging.getLogger(__name__)

# How much longer than gunicorn's timeouts a worker's replacement is waited for, and how
# often a worker still listed is asked again to stop (one forked a moment before it was
# asked may not have set its own signal handlers yet).
REPLACE_GRACE = 5.0
ASK_AGAIN_EVERY = 2.0


def build_before_workers(server) -> None:
    """In gunicorn's master (``server``, its arbiter), before it forks its workers: build
    and install the index. If that fails (the database is not there yet), each worker
    builds its own on its first request, as without a shared index, and the keeper tries
    again."""
    try:
        with buyer_reads():  # from the database the workers' requests read its token
            built = index.get_index()  # the build logs its time
    except Exception:
        log.exception("No directory index before the workers start; each builds its own.")
    else:
        warm_index(built)
        log.info("Directory index of %d providers ready; the workers share it.", built.size)
    finally:
        connections.close_all()  # a worker opens its own (and see _leave_pools_to_parent)
    warm()
    _freeze()
    heartbeat.master = heartbeat.Heartbeat(server.pid)  # its workers leave full builds to it
    threading.Thread(
        target=keep,
        args=(lambda: replace_workers(server),),
        daemon=True,
        name="directory-index-keeper",
    ).start()


def warm() -> None:
    """Load before the fork what every worker would otherwise load alike on its first
    requests, so that it too is in the master's pages: the URL patterns, and the project's
    templates compiled by the cached loader (about 10 MB less of each worker's own memory
    at 100,000 providers). A template that fails here is logged; the worker that needs it
    meets the same error in its request."""
    reverse("providers:home")  # reversing a name reads every pattern
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            try:
                get_template(path.relative_to(folder).as_posix())
            except Exception:
                log.exception("Template %s could not be loaded before the workers start.", path)


def warm_index(built) -> None:
    """Make before the fork what every worker would otherwise make alike from the index in
    its first requests, so that it is shared too: the counting matrix of each facet with
    many options (``counting.matrix``: about 20 MB at a million providers), and the
    vocabulary's long words that typo tolerance compares."""
    for facet, options in built.options.items():
        if len(options) > counting.FEW_OPTIONS:
            counting.matrix(built, facet)
    built.words.long_words()


def _freeze() -> None:
    """Keep what was made for the workers out of the collector's way, as the index is
    (``index._install``)."""
    if settings.DIRECTORY_FREEZE_INDEX:
        gc.freeze()


def keep(restart_workers, interval: float | None = None, rounds: int | None = None) -> None:
    """The master's keeper thread: bring the index up to date every ``interval`` seconds,
    note each round that succeeded in the heartbeat, and call ``restart_workers`` after
    the index was built anew (``rounds``: stop after that many, for tests). After a failed
    round the pause doubles, up to ``heartbeat.LONGEST_PAUSE``."""
    interval = settings.DIRECTORY_SHARED_REFRESH if interval is None else interval
    done = failures = 0
    while rounds is None or done < rounds:
        time.sleep(pause(interval, failures))
        done += 1
        try:
            close_old_connections()  # kept between rounds, up to CONN_MAX_AGE
            with buyer_reads():
                rebuilt = index.refresh()
            if heartbeat.master is not None:
                heartbeat.master.beat()
            if rebuilt:
                warm_index(index.installed())
                _freeze()
                log.info("Directory index built anew; replacing the workers with forks sharing it.")
                restart_workers()
        except Exception as error:
            failures += 1
            said = "The master's directory index could not be brought up to date"
            then = "(%d failed rounds in a row; the next in %.0f s)."
            next_in = pause(interval, failures)
            if isinstance(error, DatabaseError):  # an outage: said in a line, no traceback
                log.warning(f"{said}: %s {then}", error, failures, next_in)
            else:
                log.exception(f"{said} {then}", failures, next_in)
            connections.close_all()  # a broken connection is not kept
        else:
            failures = 0


def pause(interval: float, failures: int) -> float:
    """The keeper's pause before a round: ``interval``, doubled for each failed round
    before it, at most ``heartbeat.LONGEST_PAUSE`` (never less than ``interval``)."""
    return max(interval, min(interval * 2**failures, heartbeat.LONGEST_PAUSE))


def replace_workers(server) -> None:
    """Replace gunicorn's workers with forks of the master as it is now, one at a time:
    each is asked to stop once its request is answered (``SIGTERM``), and gunicorn forks
    another in its place; the next is asked once that one is there, or once the first
    has had gunicorn's timeout to end (then gunicorn ends it). So all but one keep
    answering, and no more than gunicorn's number of workers hold memory at once. (Not
    ``SIGHUP``: that also reads the configuration again, and starts the new workers before
    the old ones stop.) The keeper is heard meanwhile."""
    limit = max(server.cfg.graceful_timeout, server.timeout) + REPLACE_GRACE
    for pid in _worker_pids(server):
        deadline = time.monotonic() + limit
        asked = float("-inf")
        while time.monotonic() < deadline:
            workers = _worker_pids(server)
            if pid not in workers:  # ended (never a pid gunicorn no longer lists: reused)
                if len(workers) >= server.num_workers:
                    break
            elif time.monotonic() - asked >= ASK_AGAIN_EVERY:
                asked = time.monotonic()
                with suppress(ProcessLookupError):  # ended; gunicorn has yet to notice
                    os.kill(pid, signal.SIGTERM)
            if heartbeat.master is not None:
                heartbeat.master.beat()
            time.sleep(0.05)
        else:
            log.warning("Worker %d was not replaced within %.0f s; going on.", pid, limit)


def _worker_pids(server) -> list[int]:
    """The arbiter's workers now (its main thread adds and removes them)."""
    while True:
        try:
            return list(server.WORKERS)
        except RuntimeError:  # changed while read
            continue


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
