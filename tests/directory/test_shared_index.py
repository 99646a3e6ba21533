"""The index gunicorn's master holds for its workers (providers/directory/shared.py): it is
brought up to date in the master, workers are started again only after it was built anew,
and a forked worker starts with no lock held and no updater of the master's."""

import datetime
import os
import signal
import subprocess
import threading
import time
import types
import warnings

import pytest
from django.db import OperationalError

from providers.directory import heartbeat, search, shared
from providers.directory import index as index_module
from providers.models import ProviderType
from tests.factories import ensure_reference_data, make_provider

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("rebuild")]


@pytest.fixture(autouse=True)
def no_index():
    ensure_reference_data()  # flushed after each test here
    index_module.reset()
    yield
    index_module.reset()


def test_refresh_says_whether_the_index_was_built_anew():
    make_provider("First Co", slug="first-co")
    assert index_module.refresh()  # the process's first index
    first = index_module._cached
    assert first.size == 1

    assert not index_module.refresh()  # nothing changed: the same index, no query beyond the token
    assert index_module._cached is first

    make_provider("Second Co", slug="second-co")
    assert not index_module.refresh()  # a provider changed: patched, built_at kept
    patched = index_module._cached
    assert patched.size == 2 and patched.built_at == first.built_at

    assert ProviderType.objects.filter(slug="cro").update(name="Contract research (CRO)")
    assert index_module.refresh()  # a catalogue change: built anew
    assert index_module._cached.built_at != first.built_at
    assert index_module._cached.token == index_module.current_token()


def test_the_keeper_starts_new_workers_only_after_a_full_build():
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    restarts = []

    make_provider("Second Co", slug="second-co")
    shared.keep(lambda: restarts.append("patch"), interval=0, rounds=1)
    assert restarts == [] and index_module._cached.size == 2

    ProviderType.objects.filter(slug="cro").update(name="Contract research (CRO)")
    shared.keep(lambda: restarts.append("build"), interval=0, rounds=1)
    assert restarts == ["build"]


def test_a_keeper_round_that_fails_is_logged_and_the_next_one_runs(monkeypatch, caplog):
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    first = index_module._cached

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(index_module, "update_index", broken)
    make_provider("Second Co", slug="second-co")
    shared.keep(lambda: None, interval=0, rounds=1)
    assert "could not be brought up to date" in caplog.text
    assert index_module._cached is first  # the last index stays

    monkeypatch.undo()
    shared.keep(lambda: None, interval=0, rounds=1)
    assert index_module._cached.size == 2


def test_the_keeper_is_heard_only_after_rounds_that_succeed(monkeypatch, caplog):
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    master = heartbeat.Heartbeat(os.getpid())
    monkeypatch.setattr(heartbeat, "master", master)
    _silent_for(master, 1000)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    with monkeypatch.context() as failing:
        failing.setattr(index_module, "update_index", broken)
        make_provider("Second Co", slug="second-co")
        shared.keep(lambda: None, interval=0, rounds=2)
    assert not master.heard()
    assert "(2 failed rounds in a row" in caplog.text

    shared.keep(lambda: None, interval=0, rounds=1)
    assert master.heard() and master.silence() < 5


def test_a_keeper_round_the_database_did_not_answer_is_said_without_a_traceback(
    monkeypatch, caplog
):
    """A database outage is expected in operations (the fault drill): one line a round."""
    make_provider("First Co", slug="first-co")
    index_module.refresh()

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(index_module, "update_index", unreachable)
    make_provider("Second Co", slug="second-co")
    shared.keep(lambda: None, interval=0, rounds=1)
    (said,) = [record for record in caplog.records if record.name == shared.log.name]
    assert said.levelname == "WARNING" and said.exc_info is None
    assert "up to date: connection refused (1 failed rounds in a row" in said.getMessage()


def test_the_keeper_pauses_longer_after_each_failed_round():
    assert [shared.pause(1, failures) for failures in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert shared.pause(0, 3) == 0  # tests' keeper: no pause
    assert shared.pause(90, 2) == 90  # never less than the interval


def test_a_forked_worker_starts_with_free_locks_and_no_updater():
    """gunicorn forks a worker whenever the master's keeper thread may hold a lock: the
    worker must not inherit it held (nothing would ever release it)."""
    held = threading.Event()
    release = threading.Event()

    def hold_locks():
        with index_module._lock, search._text_lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_locks)
    holder.start()
    held.wait(10)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # forking a threaded process
            pid = os.fork()
        if pid == 0:  # the worker: report by exit status, never return into pytest
            ok = (
                index_module._lock.acquire(timeout=1)
                and search._text_lock.acquire(timeout=1)
                and index_module._updater is None
                and index_module._building is None
                and index_module._checked_at == float("-inf")
            )
            os._exit(0 if ok else 1)
        status = _wait_for_child(pid)
    finally:
        release.set()
        holder.join(10)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_worker_leaves_a_catalogue_build_to_its_keeping_master_but_patches_itself(
    settings, monkeypatch, caplog
):
    """A worker of the master that keeps the shared index leaves that master the full
    build a catalogue edit needs (the master makes it and replaces the worker), patches
    provider edits itself, and builds its own once it waited ``DIRECTORY_SHARED_WAIT``."""
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    first = index_module._cached
    _keeping_master(monkeypatch)  # this process: its worker
    settings.DIRECTORY_SHARED_WAIT = 60

    make_provider("Second Co", slug="second-co")
    index_module._build_in_background()
    assert index_module._cached.size == 2  # patched here

    def no_build(*args, **kwargs):
        raise AssertionError("the worker built its own index")

    patched = index_module._cached
    monkeypatch.setattr(index_module, "full_build", no_build)
    ProviderType.objects.filter(slug="cro").update(name="Contract research, renamed")
    with caplog.at_level("INFO", logger="providers.directory.index"):
        index_module._build_in_background()
        index_module._build_in_background()
    assert index_module._cached is patched  # answered from the last index meanwhile
    assert caplog.text.count("full build is left to the master") == 1

    settings.DIRECTORY_SHARED_WAIT = 0  # the master did not replace it in time
    monkeypatch.undo()
    _keeping_master(monkeypatch)
    index_module._build_in_background()
    built = index_module._cached
    assert built.built_at != first.built_at
    assert "Contract research, renamed" in {kind.name for kind in built.catalogue.types.values()}
    assert index_module._left_since is None


def test_a_process_whose_parent_keeps_no_index_builds_its_own(monkeypatch):
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    first = index_module._cached
    monkeypatch.setattr(
        heartbeat, "master", heartbeat.Heartbeat(os.getppid() + 1)
    )  # not its parent
    ProviderType.objects.filter(slug="cro").update(name="Contract research, renamed")
    index_module._build_in_background()
    assert index_module._cached.built_at != first.built_at


def test_the_master_makes_what_every_worker_makes_from_the_index_before_the_fork(monkeypatch):
    """The counting matrices and the vocabulary's long words are made once, in the master,
    and so shared: a worker's first counts find them."""
    from providers.directory import counting

    make_provider("First Co", slug="first-co", types=("cro",))
    make_provider("Second Co", slug="second-co", types=("cdmo",))
    index_module.refresh()
    built = index_module.installed()
    monkeypatch.setattr(counting, "FEW_OPTIONS", 1)  # a facet with two options counts as many
    assert counting._matrices.get(built) is None and built.words._by_length is None

    shared.warm_index(built)
    made = counting._matrices[built]
    assert "type" in made and built.words._by_length is not None

    def not_again(*args, **kwargs):
        raise AssertionError("a matrix was made again")

    monkeypatch.setattr(counting, "_matrix", not_again)
    assert counting.option_counts(built, "type", built.all) == [
        (built.all & built.bits["type"].get(option.key, 0)).bit_count()
        for option in built.options["type"]
    ]


def test_warming_compiles_the_projects_templates_before_the_fork():
    from django.template import engines

    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    shared.warm()
    assert any(key.startswith("directory/directory.html") for key in loader.get_template_cache)
    assert any(key.startswith("base.html") for key in loader.get_template_cache)


def test_a_worker_waiting_for_its_master_on_a_new_day_asks_once_per_token_ttl(
    settings, monkeypatch, django_assert_num_queries
):
    """Past midnight the last index is a day old: while the master builds the new one, a
    request is answered from it without a query within the token's TTL."""
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    _keeping_master(monkeypatch)
    settings.DIRECTORY_SHARED_WAIT = 60
    settings.DIRECTORY_TOKEN_TTL = 60
    yesterday = index_module._cached
    yesterday.built_on -= datetime.timedelta(days=1)
    index_module._build_in_background()  # what a request's update does: left to the master
    assert index_module._left_since is not None
    waiting = index_module._cached
    assert waiting.built_on == yesterday.built_on
    with django_assert_num_queries(0):
        assert index_module.get_index() is waiting


def test_a_worker_waiting_for_its_master_on_a_new_day_patches_edits_meanwhile(
    settings, monkeypatch
):
    """The master's build of a new day's index takes minutes at a million providers: a
    curator's edit meanwhile is patched into the day-old index, not left unseen."""
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    _keeping_master(monkeypatch)
    monkeypatch.setattr(index_module, "full_build", _no_build)
    settings.DIRECTORY_SHARED_WAIT = 60
    yesterday = index_module._cached
    yesterday.built_on -= datetime.timedelta(days=1)

    make_provider("Second Co", slug="second-co")
    index_module._build_in_background()
    patched = index_module._cached
    assert patched.size == 2 and patched.built_on == yesterday.built_on
    assert index_module._left_since is not None  # still waiting for the master's build


def test_a_worker_builds_a_bulk_change_itself(settings, monkeypatch):
    """A change of more providers than a patch takes may reach the master, which looks
    every second, in smaller parts that it patches: it would then replace no worker, so a
    worker that sees it whole builds its own rather than wait."""
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    first = index_module._cached
    _keeping_master(monkeypatch)
    monkeypatch.setattr(index_module, "PATCH_LIMIT", 1)
    settings.DIRECTORY_SHARED_WAIT = 60

    make_provider("Second Co", slug="second-co")
    make_provider("Third Co", slug="third-co")
    index_module._build_in_background()
    assert index_module._cached.size == 3 and index_module._cached.built_at != first.built_at
    assert index_module._left_since is None


def test_a_worker_waiting_on_a_new_day_keeps_its_index_while_nothing_changes(settings, monkeypatch):
    """Asked every token TTL while the master builds, an unchanged index is not installed
    again (that would empty the caches derived from it)."""
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    _keeping_master(monkeypatch)
    settings.DIRECTORY_SHARED_WAIT = 60
    index_module._cached.built_on -= datetime.timedelta(days=1)
    index_module._build_in_background()
    waiting = index_module._cached
    installs = []
    monkeypatch.setattr(index_module, "_on_rebuild", [lambda: installs.append(1)])
    index_module._build_in_background()
    index_module._build_in_background()
    assert index_module._cached is waiting and installs == []

    make_provider("Second Co", slug="second-co")
    index_module._build_in_background()
    assert index_module._cached.size == 2 and installs == [1]


def _wait_for_child(pid: int, limit: float = 30) -> int:
    """The exit status of a forked child, which is killed if it has not ended in ``limit``
    seconds (a child that deadlocked must not hang the test run)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"The forked child {pid} did not end within {limit:g} s.")


def _keeping_master(monkeypatch) -> heartbeat.Heartbeat:
    """Make this process a worker of a master that keeps the shared index (its parent),
    whose keeper was just heard from."""
    master = heartbeat.Heartbeat(os.getppid())
    monkeypatch.setattr(heartbeat, "master", master)
    return master


def _no_build(*args, **kwargs):
    raise AssertionError("the worker built its own index")


def test_a_forked_worker_opens_its_own_pooled_connections():
    """With ``DATABASE_POOL`` the pool belongs to the process: a worker forked from the
    master must open its own connections, not take from the pool it copied the master's
    (one socket, two users: their queries would mix)."""
    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper

    pooled = {**connection.settings_dict, "CONN_MAX_AGE": 0}
    pooled["OPTIONS"] = {**pooled["OPTIONS"], "pool": {"min_size": 1, "max_size": 2}}

    def backend_pid() -> int:
        wrapper = DatabaseWrapper(pooled)  # the pool is kept by alias: "default"
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0]
        finally:
            wrapper.close()  # back to the pool

    try:
        masters = backend_pid()
        read, write = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the pool's threads run
            pid = os.fork()
        if pid == 0:  # the worker: report through the pipe, never return into pytest
            try:
                os.write(write, str(backend_pid()).encode())
            finally:
                os._exit(0)
        os.close(write)
        _wait_for_child(pid)
        with os.fdopen(read) as answer:
            workers = int(answer.read() or 0)
        assert workers and workers != masters
        assert backend_pid()  # the master's pool still answers
    finally:
        DatabaseWrapper(pooled).close_pool()


def _silent_for(master: heartbeat.Heartbeat, seconds: float, building: float = 0.0) -> None:
    """Make ``master``'s keeper last heard from ``seconds`` ago (and building since
    ``building``, a time.monotonic() reading; 0: not building)."""
    heartbeat._TIMES.pack_into(master._page, 0, time.monotonic() - seconds, building)


def test_the_heartbeat_is_read_by_the_processes_forked_after_it():
    """The page is shared, not copied: a beat after the fork reaches the worker."""
    master = heartbeat.Heartbeat(os.getpid())
    _silent_for(master, 1000)
    read_read, read_write = os.pipe()  # the worker has read the silence
    beaten_read, beaten_write = os.pipe()  # the master has beaten since
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # forking a threaded process
        pid = os.fork()
    if pid == 0:  # the worker: report by exit status, never return into pytest
        silent_before = not master.heard()
        os.write(read_write, b"r")
        os.read(beaten_read, 1)
        os._exit(0 if silent_before and master.heard() else 1)
    os.read(read_read, 1)
    master.beat()
    os.write(beaten_write, b"x")
    status = _wait_for_child(pid)
    for end in (read_read, read_write, beaten_read, beaten_write):
        os.close(end)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_keeper_building_is_heard_until_the_builds_time_limit(settings):
    settings.DIRECTORY_BUILD_TIMEOUT = 100
    settings.DIRECTORY_SHARED_REFRESH = 1
    master = heartbeat.Heartbeat(os.getpid())
    assert master.heard()
    _silent_for(master, heartbeat.quiet_limit() + 1)
    assert not master.heard()
    _silent_for(master, 1000, building=time.monotonic() - 150)  # within 100 s and the grace
    assert master.heard() and master.silence() == 0
    _silent_for(master, 1000, building=time.monotonic() - 100 - heartbeat.BUILD_GRACE - 1)
    assert not master.heard()


def test_a_full_build_in_the_keeping_master_is_noted_while_it_runs(settings, monkeypatch):
    settings.DIRECTORY_BUILD_IN_CHILD = False
    master = heartbeat.Heartbeat(os.getpid())
    monkeypatch.setattr(heartbeat, "master", master)
    _silent_for(master, 1000)
    silence_during = []
    build = index_module.build_index

    def noting(*args, **kwargs):
        silence_during.append(master.silence())
        return build(*args, **kwargs)

    monkeypatch.setattr(index_module, "build_index", noting)
    make_provider("First Co", slug="first-co")
    index_module.full_build(datetime.date.today())
    assert silence_during == [0.0]
    assert master.silence() < 5  # the build's end is heard

    def failing(*args, **kwargs):
        silence_during.append(master.silence())
        raise RuntimeError("out of memory")

    _silent_for(master, 1000)
    monkeypatch.setattr(index_module, "build_index", failing)
    with pytest.raises(RuntimeError):
        index_module.full_build(datetime.date.today())
    assert silence_during[-1] == 0.0 and master.silence() < 5  # a failed build too
    monkeypatch.setattr(index_module, "build_index", build)

    workers_view = heartbeat.Heartbeat(os.getppid())  # a worker's: its master is its parent
    monkeypatch.setattr(heartbeat, "master", workers_view)
    _silent_for(workers_view, 1000)
    index_module.full_build(datetime.date.today())
    assert workers_view.silence() > 900  # a worker's build says nothing for its master


def test_a_worker_builds_its_own_once_its_masters_keeper_is_silent(settings, monkeypatch, caplog):
    make_provider("First Co", slug="first-co")
    index_module.refresh()
    first = index_module._cached
    master = _keeping_master(monkeypatch)
    settings.DIRECTORY_SHARED_WAIT = 900
    _silent_for(master, heartbeat.quiet_limit() + 1)
    ProviderType.objects.filter(slug="cro").update(name="Contract research, renamed")
    with caplog.at_level("WARNING", logger="providers.directory.index"):
        index_module._build_in_background()
    assert index_module._cached.built_at != first.built_at
    assert "has not been heard from" in caplog.text


class _Arbiter:
    """As gunicorn's arbiter does it: a worker that ended is replaced by a new one (here a
    process that sleeps), and the fewest and most workers alive at once are noted."""

    num_workers = 2

    def __init__(self):
        self.WORKERS = {}
        self.cfg = types.SimpleNamespace(graceful_timeout=10)
        self.timeout = 10
        self.fewest, self.most, self.running = 2, 2, True
        for _ in range(self.num_workers):
            self.spawn()

    def spawn(self):
        child = subprocess.Popen(["sleep", "60"])
        self.WORKERS[child.pid] = child

    def loop(self):
        while self.running:
            for pid, child in list(self.WORKERS.items()):
                if child.poll() is not None:
                    del self.WORKERS[pid]
            self.fewest = min(self.fewest, len(self.WORKERS))
            while len(self.WORKERS) < self.num_workers:
                self.spawn()
            self.most = max(self.most, len(self.WORKERS))
            time.sleep(0.01)


def test_workers_are_replaced_one_at_a_time():
    arbiter = _Arbiter()
    first = set(arbiter.WORKERS)
    looping = threading.Thread(target=arbiter.loop)
    looping.start()
    try:
        shared.replace_workers(arbiter)
    finally:
        arbiter.running = False
        looping.join(10)
        for child in arbiter.WORKERS.values():
            child.kill()
            child.wait()
    assert not first & set(arbiter.WORKERS)
    assert len(arbiter.WORKERS) == 2
    assert arbiter.fewest == 1 and arbiter.most == 2  # never both gone, never three
