"""What the benchmark reports of memory: the index as a server process gets it (in a
process of its own), and the resident memory of a server's workers."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from providers.management.commands.bench import workers_resident_mb
from tests.factories import make_provider


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_the_workers_memory_is_that_of_the_servers_children():
    # A "server" that starts two children, each holding about 40 MB, and waits.
    holder = "import time; kept = bytearray(40 * 2**20); time.sleep(30)"
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; "
            f"children = [subprocess.Popen([sys.executable, '-c', {holder!r}]) for _ in range(2)]; "
            "time.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        found = workers_resident_mb(server.pid)
        while not found >= 40 and time.monotonic() < deadline:
            time.sleep(0.2)
            found = workers_resident_mb(server.pid)
        assert 40 <= found < 200
        assert workers_resident_mb(2**22 + 7) != workers_resident_mb(2**22 + 7)  # none: NaN
    finally:
        for child in _children(server.pid):
            os.kill(child, signal.SIGKILL)
        server.kill()
        server.wait()


@pytest.mark.django_db
def test_the_index_profile_is_printed_as_json_for_the_benchmark_to_read():
    make_provider("Alpha Analytical", services=[("glp-toxicology", 2, 3)])
    make_provider("Beta Biologics", services=[("glp-toxicology", 1, 2)])
    out = io.StringIO()
    call_command("bench", index_profile=True, stdout=out)
    profile = json.loads(out.getvalue().strip().splitlines()[-1])
    assert profile["providers"] == 2
    assert profile["build seconds"] > 0 and profile["estimate MB"] > 0
    assert "alpha" in profile["vocabulary"]
