"""The replica drill (bin/replica-drill) runs end to end: a primary and a streaming replica
on loopback, two app servers, buyers' reads on the replica, a write seen within a second."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_replica_drill_serves_reads_from_the_replica_and_shows_writes_within_a_second():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "bin/replica-drill", "--app-port", "8110", "--pg-port", "54345"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "replication streaming" in output
    assert "on the replica, 0 on the primary" in output
    assert output.count("shows it on /providers/?q=drill") == 2
    assert "replica drill passed" in output
    assert "removed their folders" in output
