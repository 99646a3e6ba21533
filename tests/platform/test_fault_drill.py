"""The fault drill, short: PostgreSQL restarted once under load behind production-mode
gunicorn. Only 503s while it is down, none after, no worker restarted (bin/fault-drill)."""

import glob
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port(candidates: range) -> int:
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"No free port in {candidates.start}-{candidates.stop - 1} for the drill.")


@pytest.mark.skipif(
    not (shutil.which("pg_ctl") or glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
    reason="the PostgreSQL server programs are not installed (the drill starts its own cluster)",
)
def test_quick_fault_drill_passes():
    clusters_before = set(glob.glob("/tmp/directory-drill-*"))
    result = subprocess.run(
        [
            sys.executable,
            "bin/fault-drill",
            "--quick",
            "--pg-port",
            str(free_port(range(54353, 54360))),
            "--http-port",
            str(free_port(range(8203, 8220))),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Result: PASS" in report
    assert "workers restarted: none" in report
    during = re.search(r"during restart.*", report).group(0)
    assert int(during.split()[-1]) > 0, "no request met the outage: the drill measured nothing"
    assert set(glob.glob("/tmp/directory-drill-*")) <= clusters_before, "cluster left behind"
