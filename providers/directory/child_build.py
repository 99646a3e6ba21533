"""A full build of the index in a child process, read back by the server process.

A build makes millions of short-lived objects (rows, split words, temporary tables) among
the few it keeps, and what it leaves behind stays in the process that ran it: blocks of
Python's allocator that a few survivors keep alive, pages of the C heap between live
chunks. At 100,000 providers a build grew a process by about 46 MB for an index that
pickles to 19 MB. So a server process does not build: ``build_in_child`` starts a fresh
interpreter (``python -m providers.directory.child_build``), which builds the index from
its own snapshot, on the connection settings the server gives it, and writes it pickled to
its standard output; the server reads it back, its objects made side by side, and the
build's garbage ends with the child. Starting the child costs about a second, against a
build of seconds (minutes at a million providers). Only a process's first index is
waited for by a request; later full builds run beside the installed index
(``index.get_index``).

The data crosses a pipe between this process and a child it started itself, so reading
it back with ``pickle`` trusts nothing from outside. The child runs the code on disk, which
an in-place deploy may have changed since the server started: the server sends the version
of the code it runs (``CODE_VERSION``), and a child running other code refuses to build
(``CodeChanged``) rather than hand back objects the server's classes may not read. A child
that takes longer than ``DIRECTORY_BUILD_TIMEOUT`` is killed.
"""

import ctypes
import ctypes.util
import datetime
import hashlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import django
import numpy
from django.conf import settings
from django.db import connections

# How much of the child's error output an exception carries.
ERROR_TAIL = 4000
PR_SET_PDEATHSIG = 1  # prctl: the signal a process gets when its parent ends
# What a child whose code is not the server's hands back instead of an index, and its exit
# status. The server reads the answer, not the status: in gunicorn's master the arbiter
# reaps every child that ends (``waitpid(-1)``), and may read the status first.
CODE_CHANGED = "code changed"
CODE_CHANGED_STATUS = 3


# The code a child must share with its server: the project's own packages (an index
# pickles their objects and is read with their functions: the directory package, the
# models, regions, evidence states...).
CODE_FOLDERS = (
    Path(__file__).resolve().parent.parent,  # providers
    Path(__file__).resolve().parent.parent.parent / "lifecycle",
)


def code_files(folders=CODE_FOLDERS) -> dict[str, Path]:
    """The Python files in ``folders``, by their names from the folders' parent."""
    return {
        str(path.relative_to(folder.parent)): path
        for folder in folders
        for path in sorted(folder.rglob("*.py"))
    }


def code_version(folders=CODE_FOLDERS) -> str:
    """A digest of the Python source in ``folders`` and of the versions of Python, Django
    and numpy, as this process reads them from disk now."""
    digest = hashlib.sha256(f"{sys.version} {django.__version__} {numpy.__version__}".encode())
    for name, path in code_files(folders).items():
        digest.update(b"\0".join([name.encode(), path.read_bytes(), b""]))
    return digest.hexdigest()


# The code this process runs, read once, when Django starts (ProvidersConfig.ready
# imports this module), before any request.
CODE_VERSION = code_version()


class ChildBuildFailed(RuntimeError):
    """The child process ended without handing back an index. ``killed``: it was ended by
    a signal (its time limit, or the system out of memory), so building the same index in
    the server process would most likely fare no better."""

    def __init__(self, message: str, killed: bool = False):
        super().__init__(message)
        self.killed = killed


class CodeChanged(ChildBuildFailed):
    """The code on disk is no longer the code this process runs (an in-place deploy): no
    child can build for it until it is restarted."""


def build_in_child(today: datetime.date, alias: str):
    """The index built by a child process from one snapshot on the connection ``alias``
    (with this process's settings for every connection: a test database's name among
    them), as ``index.build_index(today, alias)`` would build it here."""
    request = {
        "code": CODE_VERSION,
        "today": today,
        "alias": alias,
        "databases": {name: dict(connections[name].settings_dict) for name in connections},
    }
    # The server's settings module (manage.py and the WSGI module name it in the
    # environment; overridden settings, as in tests, do not carry it).
    module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": module}
    timeout = settings.DIRECTORY_BUILD_TIMEOUT
    with tempfile.TemporaryFile() as errors:
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", __name__, str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                cwd=settings.BASE_DIR,
                env=environment,
            )
        except OSError as error:  # no interpreter there any more, no process to spare
            raise ChildBuildFailed(
                f"The directory index could not be built in a child process: it could not "
                f"be started ({error})."
            ) from error
        with child, _Deadline(timeout, child) as deadline:
            index = refused = None
            try:
                with child.stdin:
                    pickle.dump(request, child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                index = pickle.load(child.stdout)
                deadline.met()
                if index == CODE_CHANGED:
                    index, refused = None, True
            except Exception:  # the child's exit status and error output say why
                index = None
            finally:
                try:  # a child has seconds to end once it has answered or failed
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()  # not left building for nobody
                code = child.wait()
        if index is None:  # an index read in full is whole, whatever the child did next
            errors.seek(max(0, errors.seek(0, os.SEEK_END) - ERROR_TAIL))
            said = errors.read().decode(errors="replace").strip()
            if deadline.expired:
                said = f"it did not finish within {timeout:g} s and was ended. {said}".strip()
            failure = CodeChanged if refused or code == CODE_CHANGED_STATUS else ChildBuildFailed
            # A child ends with 0 only once it handed back an index: read 0 without one,
            # its status was taken by another waitpid (gunicorn's arbiter), and it is
            # taken as killed (the out-of-memory killer, say), not to be built here.
            raise failure(
                f"The directory index could not be built in a child process "
                f"(exit status {code}): {said or 'it wrote nothing'}",
                killed=code < 0 or deadline.expired or (code == 0 and not refused),
            )
    from providers.directory.index import _release_free_memory

    _release_free_memory()  # the reading's buffers
    return index


class _Deadline:
    """Kills ``child`` once ``seconds`` have passed (none: no limit), unless ``met`` was
    called first: the check and the kill under one lock, so an index read in full is never
    followed by a kill that reports a timeout."""

    def __init__(self, seconds: float, child: subprocess.Popen):
        self.child = child
        self.expired = False
        self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._end) if seconds > 0 else None

    def __enter__(self) -> "_Deadline":
        if self._timer is not None:
            self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.met()
        if self._timer is not None:
            self._timer.cancel()

    def met(self) -> None:
        with self._lock:
            self._done = True

    def _end(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            self.child.kill()  # its pipe closes: the reading ends


def main() -> None:
    """The child: read the request from standard input, build, write the index to the
    standard output it was given. Anything else printed goes to standard error."""
    _end_with_parent(int(sys.argv[1]))
    handed_back = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    request = pickle.load(sys.stdin.buffer)
    if request.get("code") != CODE_VERSION:
        sys.stderr.write(
            "The code on disk has changed since the server process started: restart it to "
            "build its index in a child process again.\n"
        )
        with handed_back:
            pickle.dump(CODE_CHANGED, handed_back, protocol=pickle.HIGHEST_PROTOCOL)
        sys.exit(CODE_CHANGED_STATUS)

    django.setup()
    for name, params in request["databases"].items():
        options = {key: value for key, value in params.get("OPTIONS", {}).items() if key != "pool"}
        connections[name].settings_dict.update({**params, "OPTIONS": options})  # one connection

    from providers.directory.index import build_index

    index = build_index(request["today"], request["alias"], tidy=False)
    with handed_back:
        pickle.dump(index, handed_back, protocol=pickle.HIGHEST_PROTOCOL)
    connections.close_all()
    os._exit(0)  # freeing the build's millions of objects one by one would only keep it waiting


def _end_with_parent(parent: int) -> None:
    """Be ended if the server process that started this child ends (a worker killed by
    gunicorn's timeout, say), rather than go on building for nobody (Linux)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it ended before that was set
        sys.exit("The server process that asked for this build has ended.")


if __name__ == "__main__":
    main()
