"""What gunicorn's master that keeps the shared index (providers.directory.shared) tells
the workers it forks: its pid, and whether its keeper is at work, in a page of memory the
master and its workers share.

A worker leaves full builds to that master (``index._master_builds``) only while its keeper
is heard from: the keeper notes each of its rounds that succeeds, the end of each full build
(done or failed) and its waits while workers are replaced, and a full build while it runs
(minutes at a million providers; heard for ``DIRECTORY_BUILD_TIMEOUT`` and a grace when
that is set). A keeper that stopped, hangs, or fails round after round for two minutes
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
# The longest pause between the keeper's rounds (after failures, providers.directory.shared).
LONGEST_PAUSE = 60.0


class Heartbeat:
    """The keeper's two times, in a page shared with every process forked after it was
    made. Both are written together; a reader may see one write's first time beside the
    last write's second, which changes a freshness check by one round at most."""

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
        """A full build runs; when it ends, done or failed, the keeper was at work."""
        last, _ = self._times()
        _TIMES.pack_into(self._page, 0, last, time.monotonic())
        try:
            yield
        finally:
            self.beat()

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
    """How long a keeper may go unheard before its workers build their own: two of its
    longest pauses after failed rounds (a database back after a short outage finds the
    keeper still heard), and at least ten of its rounds."""
    return max(2 * LONGEST_PAUSE, 10 * settings.DIRECTORY_SHARED_REFRESH)


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
