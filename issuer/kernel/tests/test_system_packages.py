"""scripts/system_packages.sh, which `make venv` and `make test` run first:
it lists the Debian packages missing (by `dpkg -s`) and installs them with
apt-get as root or through sudo, or stops with the exact command to run.

dpkg, apt-get, id and sudo are stand-ins on PATH: the test machine's own
packages are never removed or installed."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "system_packages.sh"
INSTALLED_STATUS = "Status: install ok installed"


@pytest.fixture
def machine(tmp_path: Path):
    """A Debian machine on which pkg-config and build-essential are installed,
    and default-libmysqlclient-dev and chromium are not."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    stand_ins = {
        "dpkg": (
            '[ "$1" = -s ] || exit 2\n'
            'case "$2" in pkg-config|build-essential) '
            f'echo "Package: $2"; echo "{INSTALLED_STATUS}";; '
            "*) echo \"dpkg-query: package '$2' is not installed\" >&2; exit 1;; esac"
        ),
        "apt-get": f'echo "apt-get $*" >> {calls}',
        "id": 'echo "${FAKE_UID:-0}"',
    }
    for name, body in stand_ins.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)

    def run(*args: str, uid: int = 0, sudo: str | None = None):
        if sudo is not None:
            (bin_dir / "sudo").write_text(f"#!/bin/bash\n{sudo}\n")
            (bin_dir / "sudo").chmod(0o755)
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "FAKE_UID": str(uid),
            "SYSTEM_PACKAGES": "",
        }
        result = subprocess.run(
            ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True
        )
        logged = calls.read_text().splitlines() if calls.exists() else []
        return result, logged

    return run


def test_missing_lists_the_packages_dpkg_does_not_know_as_installed(machine) -> None:
    result, calls = machine("missing")

    assert result.returncode == 0
    assert result.stdout.splitlines() == ["default-libmysqlclient-dev", "chromium"]
    assert calls == []


def test_as_root_install_runs_apt_get_for_the_missing_ones(machine) -> None:
    result, calls = machine("install", uid=0)

    assert result.returncode == 0, result.stderr
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y --no-install-recommends "
        "default-libmysqlclient-dev chromium -qq",
    ]


def test_with_sudo_install_runs_apt_get_through_it(machine) -> None:
    result, calls = machine(
        "install", uid=1000, sudo='[ "$1" = -n ] && shift; "$@"; echo "sudo $*" >&2'
    )

    assert result.returncode == 0, result.stderr
    assert "sudo apt-get update -qq" in result.stderr
    assert len(calls) == 2


def test_without_root_or_sudo_install_stops_with_the_command_to_run(machine) -> None:
    result, calls = machine("install", uid=1000, sudo="exit 1")

    assert result.returncode == 1
    assert calls == []
    assert result.stderr.splitlines() == [
        "error: missing system packages: default-libmysqlclient-dev chromium",
        "run:  sudo apt-get update && sudo apt-get install -y "
        "--no-install-recommends default-libmysqlclient-dev chromium",
    ]


def test_nothing_missing_installs_nothing(machine, tmp_path: Path) -> None:
    (tmp_path / "bin" / "dpkg").write_text(f'#!/bin/bash\necho "{INSTALLED_STATUS}"\n')

    result, calls = machine("install", uid=1000, sudo="exit 1")

    assert result.returncode == 0
    assert calls == []
