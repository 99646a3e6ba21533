"""bin/ensure-chromium, run by `make test`: installs Chromium when it can, else says how."""

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "ensure-chromium"


def executable(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A PATH with no Chromium, an `id` that answers as told and a recording apt-get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"

    def make(uid: int, apt: bool = True, apt_works: bool = True):
        executable(bin_dir / "id", f"echo {uid}\n")
        if apt:
            fake = bin_dir / "chromium"
            install = f'printf "#!/bin/sh\\n" > {fake}; /bin/chmod +x {fake}'
            executable(
                bin_dir / "apt-get",
                f'echo "$*" >> {log}\n'
                + (f'if [ "$1" = install ]; then {install}; fi\n' if apt_works else "exit 100\n"),
            )
        return subprocess.run(
            ["/bin/sh", str(SCRIPT)],
            env={"PATH": str(bin_dir)},
            capture_output=True,
            text=True,
            check=False,
        )

    make.log = log
    make.bin_dir = bin_dir
    return make


def test_as_root_with_apt_get_it_installs_chromium(machine):
    result = machine(uid=0)
    assert result.returncode == 0, result.stderr
    assert machine.log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert (machine.bin_dir / "chromium").exists()


def test_when_the_install_fails_it_stops_and_says_what_to_run(machine):
    result = machine(uid=0, apt_works=False)
    assert result.returncode == 1
    assert "apt-get install -y chromium" in result.stderr


def test_not_root_it_stops_and_says_what_to_run(machine):
    result = machine(uid=1000)
    assert result.returncode == 1
    assert not machine.log.exists()
    assert "sudo apt-get update && sudo apt-get install -y chromium" in result.stderr


def test_without_apt_get_it_says_to_install_the_system_package(machine):
    result = machine(uid=0, apt=False)
    assert result.returncode == 1
    assert "install your system's Chromium package" in result.stderr


def test_with_chromium_present_it_does_nothing(machine):
    executable(machine.bin_dir / "chromium", "")
    result = machine(uid=1000)
    assert result.returncode == 0 and result.stderr == ""
    assert not machine.log.exists()
