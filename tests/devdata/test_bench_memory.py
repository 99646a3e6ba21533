"""What the benchmark reports of memory: the index as a server process gets it (in a
process of its own), and the memory of a server's workers: resident, proportional and own."""

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command

from providers.management.commands.bench import server_memory_mb, worker_pids
from tests.factories import make_provider


def test_the_workers_memory_counts_what_they_share_with_the_server_apart():
    # A "server" holding 40 MB that forks two "workers", each adding 10 MB of its own.
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, time\n"
            "shared = bytearray(b'x' * (40 * 2**20))\n"
            "for _ in range(2):\n"
            "    if os.fork() == 0:\n"
            "        own = bytearray(b'y' * (10 * 2**20))\n"
            "        time.sleep(30)\n"
            "        os._exit(0)\n"
            "time.sleep(30)\n",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        found = server_memory_mb(server.pid)
        while not found["uss"] >= 10 and time.monotonic() < deadline:
            time.sleep(0.2)
            found = server_memory_mb(server.pid)
        assert found["rss"] >= 50  # the shared 40 MB counted whole in each
        assert 10 <= found["uss"] < 30  # its own 10 MB, not the shared 40
        assert found["uss"] + 40 / 3 * 0.9 <= found["pss"] < found["rss"]
        assert found["total"] >= 40 + 2 * 10  # the shared part once, each worker's own
        none = server_memory_mb(2**22 + 7)
        assert all(value != value for value in none.values())  # no such server: NaN
    finally:
        for child in worker_pids(server.pid):
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
