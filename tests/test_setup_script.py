"""scripts/install-system-libraries.sh, the README run command's first step, run against stand-in commands."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "install-system-libraries.sh"
SH = shutil.which("sh")
pytestmark = pytest.mark.skipif(SH is None, reason="needs a POSIX shell")

ALL = [line.split() for line in re.search(r"LIBRARIES='\n(.*?)'", SCRIPT.read_text(), re.S).group(1).splitlines()]


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!{SH}\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path):
    """A machine of stand-in commands: ``make(present=..., uid=..., apt=...)`` runs the script on it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("env", "cat", "grep"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)

    def make(present: list[str], uid: int = 0, apt: str | None = "ok", sudo: bool = True, venv: bool = True):
        cache = "".join(f"\t{soname} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/{soname}\n" for soname in present)
        (tmp_path / "cache").write_text(cache)
        _stub(bin_dir, "ldconfig", f'cat "{tmp_path / "cache"}"')
        _stub(bin_dir, "id", f"echo {uid}")
        _stub(bin_dir, "python3", f"exit {0 if venv else 1}")
        for name in ("apt-get", "sudo"):
            (bin_dir / name).unlink(missing_ok=True)
        if apt is not None:
            fails = "exit 100" if apt == "fails" else "exit 0"
            _stub(bin_dir, "apt-get", f'echo "apt-get $*" >> "{log}"; {fails}')
        if sudo:
            _stub(bin_dir, "sudo", f'echo "sudo" >> "{log}"; exec "$@"')
        log.write_text("")
        result = subprocess.run([SH, str(SCRIPT)], env={"PATH": str(bin_dir)}, capture_output=True, text=True,
                                timeout=30)
        return result, log.read_text().splitlines()

    return make


def _installed(calls: list[str]) -> list[list[str]]:
    return [call.split("--no-install-recommends ", 1)[1].split() for call in calls if " install " in call]


def test_only_the_missing_libraries_are_installed(machine):
    present = [soname for soname, _package in ALL if soname not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")]
    result, calls = machine(present)
    assert result.returncode == 0
    assert _installed(calls) == [["libxcb-icccm4", "libxcb-keysyms1"]]
    assert "sudo" not in calls  # root needs none


def test_nothing_is_run_when_everything_is_there(machine):
    result, calls = machine([soname for soname, _package in ALL])
    assert (result.returncode, calls, result.stderr) == (0, [], "")


def test_a_fresh_machine_gets_every_package_once_and_python3_venv(machine):
    result, calls = machine([], venv=False)
    assert result.returncode == 0
    packages = _installed(calls)[0]
    assert sorted(packages) == sorted({package for _soname, package in ALL} | {"python3-venv"})
    assert len(packages) == len(set(packages))


def test_a_user_installs_through_sudo(machine):
    result, calls = machine([], uid=1000)
    assert result.returncode == 0
    assert calls[0] == "sudo" and _installed(calls)


def test_without_root_or_sudo_it_says_what_to_ask_for_and_does_not_fail(machine):
    result, calls = machine(["libGL.so.1"], uid=1000, sudo=False)
    assert result.returncode == 0 and calls == []
    assert "apt-get install -y libegl1" in result.stderr


def test_stale_package_lists_are_updated_once_and_a_failure_never_fails_the_line(machine):
    result, calls = machine([], apt="fails")
    assert result.returncode == 0
    assert [call.split()[1] for call in calls] == ["install", "update"]  # update failed too: nothing more is tried
    assert "Could not install" in result.stderr


def test_where_there_is_no_apt_get_it_does_nothing(machine):
    result, calls = machine([], apt=None)
    assert (result.returncode, calls, result.stdout, result.stderr) == (0, [], "", "")
