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
# The child's exit status when its code is not the server's.
CODE_CHANGED_STATUS = 3


def _code_version() -> str:
    """A digest of the code whose objects an index pickles (the directory package, the
    models, the versions of Django and numpy), as this process read it from disk."""
    root = Path(__file__).resolve().parent
    files = [*sorted(root.glob("*.py")), root.parent / "models.py"]
    files.append(root.parent.parent / "lifecycle" / "models.py")
    digest = hashlib.sha256(f"{django.__version__} {numpy.__version__}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# The code this process runs: read once, when it is imported (a server imports it when it
# starts, through the index module).
CODE_VERSION = _code_version()


class ChildBuildFailed(RuntimeError):
    """The child process ended without handing back an index."""


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
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=settings.BASE_DIR,
            env=environment,
        ) as child:
            timeout = settings.DIRECTORY_BUILD_TIMEOUT
            expired = threading.Event()

            def end() -> None:
                expired.set()
                child.kill()  # its pipe closes: the reading below ends

            deadline = threading.Timer(timeout, end)
            deadline.start()
            index = None
            try:
                with child.stdin:
                    pickle.dump(request, child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                index = pickle.load(child.stdout)
            except Exception:  # the child's exit status and error output say why
                index = None
            finally:
                deadline.cancel()
                if index is None:
                    try:
                        child.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        child.kill()  # not left building for nobody
                code = child.wait()
        if code != 0 or index is None:
            errors.seek(max(0, errors.seek(0, os.SEEK_END) - ERROR_TAIL))
            said = errors.read().decode(errors="replace").strip()
            if expired.is_set():
                said = f"it did not finish within {timeout:g} s and was ended. {said}".strip()
            failure = CodeChanged if code == CODE_CHANGED_STATUS else ChildBuildFailed
            raise failure(
                f"The directory index could not be built in a child process "
                f"(exit status {code}): {said or 'it wrote nothing'}"
            )
    from providers.directory.index import _release_free_memory

    _release_free_memory()  # the reading's buffers
    return index


def main() -> None:
    """The child: read the request from standard input, build, write the index to the
    standard output it was given. Anything else printed goes to standard error."""
    _end_with_parent(int(sys.argv[1]))
    handed_back = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    request = pickle.load(sys.stdin.buffer)
    if request["code"] != CODE_VERSION:
        sys.stderr.write(
            "The code on disk has changed since the server process started: restart it to "
            "build its index in a child process again.\n"
        )
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
