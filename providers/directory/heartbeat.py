"""What gunicorn's master that keeps the shared index (providers.directory.shared) tells
the workers it forks: its pid, and whether its keeper is at work, in a page of memory the
master and its workers share.

A worker leaves full builds to that master (``index._master_builds``) only while its keeper
is heard from: each of the keeper's rounds that succeeds is noted here, and so is a full
build while it runs (minutes at a million providers, bounded by
``DIRECTORY_BUILD_TIMEOUT``). A keeper that stopped, hangs, or fails round after round
falls silent, and the workers build their own indexes again, as without a shared one.
"""

import mmap
import os
import struct
import time
from contextlib import contextmanager

from django.conf import settings

# Two times, as time.monotonic() reads them (one clock for every process of the machine):
# the end of the keeper's last round that succeeded, and the start of the full build it
# runs (0: none runs).
_TIMES = struct.Struct("dd")
# A full build past its time limit is ended; the keeper has this long to note the failure.
BUILD_GRACE = 60.0


class Heartbeat:
    """The keeper's two times, in a page shared with every process forked after it was
    made. Each time is one aligned 8-byte write, read whole by the other processes."""

    def __init__(self, pid: int):
        self.pid = pid
        self._page = mmap.mmap(-1, _TIMES.size)  # anonymous and shared: forks see each write
        self.beat()

    def beat(self) -> None:
        """A round succeeded."""
        _TIMES.pack_into(self._page, 0, time.monotonic(), 0.0)

    def _times(self) -> tuple[float, float]:
        return _TIMES.unpack_from(self._page)

    @contextmanager
    def building(self):
        last, _ = self._times()
        _TIMES.pack_into(self._page, 0, last, time.monotonic())
        try:
            yield
        finally:
            last, _ = self._times()
            _TIMES.pack_into(self._page, 0, last, 0.0)

    def silence(self) -> float:
        """Seconds the keeper has gone unheard: 0 while a full build of its runs within
        its time limit."""
        last, building = self._times()
        now = time.monotonic()
        limit = settings.DIRECTORY_BUILD_TIMEOUT
        if building and (not limit or now - building < limit + BUILD_GRACE):
            return 0.0
        return now - last

    def heard(self) -> bool:
        return self.silence() < quiet_limit()


def quiet_limit() -> float:
    """How long a keeper may go unheard before its workers build their own: ten of its
    rounds, and at least 30 s (a token query on a busy database, a patch, a few failed
    rounds in a row)."""
    return max(30.0, 10 * settings.DIRECTORY_SHARED_REFRESH)


# The master's (set by providers.directory.shared before it forks), and so its workers'.
master: Heartbeat | None = None


@contextmanager
def full_build():
    """Around a full build: noted when this process is the keeping master."""
    if master is not None and master.pid == os.getpid():
        with master.building():
            yield
    else:
        yield
