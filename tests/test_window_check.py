"""Whether the window can open here, told before Qt loads: missing system libraries and missing displays."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refman import window_check
from refman.window_check import debian_package, install_command, missing_libraries, why_no_window

# What `ldd libqxcb.so` printed on a Debian 12 machine with only libxcb-cursor0 of the three installed.
LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd6b1f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f3c8e9b0000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f3c8e9a0000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibglib-2.0.so.0 => /lib/x86_64-linux-gnu/libglib-2.0.so.0 (0x00007f3c8e800000)
\tlibxcb-icccm.so.4 => not found
\tlibGL.so.1 => not found
\tlibX11-xcb.so.1 => not found
\tlibdbus-1.so.3 => not found
\tlibgthread-2.0.so.0 => not found
"""


def test_ldd_output_gives_each_missing_library_once():
    assert missing_libraries(LDD_OUTPUT) == [
        "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0", "libGL.so.1", "libX11-xcb.so.1",
        "libdbus-1.so.3", "libgthread-2.0.so.0",
    ]
    assert missing_libraries("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n") == []


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libX11.so.6", "libx11-6"),
        ("libGL.so.1", "libgl1"),
        ("libEGL.so.1", "libegl1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libfontconfig.so.1", "libfontconfig1"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libgthread-2.0.so.0", "libglib2.0-0"),
        ("libwayland-client.so.0", "libwayland-client0"),
    ],
)
def test_each_library_is_named_by_its_debian_package(soname, package):
    assert debian_package(soname) == package


def test_the_install_command_uses_sudo_unless_root_and_nothing_without_apt():
    assert install_command(["libxcb-icccm4"], is_root=False, has_apt=True) == "sudo apt-get install -y libxcb-icccm4"
    assert install_command(["a", "b"], is_root=True, has_apt=True) == "apt-get install -y a b"
    assert install_command(["a"], is_root=False, has_apt=False) is None


@pytest.fixture
def plugin(monkeypatch, tmp_path: Path) -> Path:
    """A platform plugin file where Qt looks first, so the check does not depend on this machine's PySide6."""
    folder = tmp_path / "platforms"
    folder.mkdir()
    for name in ("libqxcb.so", "libqwayland.so"):
        (folder / name).write_bytes(b"")
    return folder


def _env(plugin: Path, **values: str) -> dict[str, str]:
    return {"QT_QPA_PLATFORM_PLUGIN_PATH": str(plugin), **values}


def _ldd(output: str):
    return lambda _path: output


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt needs these only on Linux")


@linux_only
def test_missing_libraries_are_named_with_the_packages_and_the_command_that_installs_them(plugin, monkeypatch):
    monkeypatch.setattr(window_check, "install_command", lambda packages: "sudo apt-get install -y " + " ".join(packages))
    reason = why_no_window(_env(plugin, DISPLAY=":0"), ldd=_ldd(LDD_OUTPUT))
    assert reason is not None and "\n" not in reason
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in reason
    assert reason.endswith(
        "install them with: sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libgl1 "
        "libx11-xcb1 libdbus-1-3 libglib2.0-0"
    )


@linux_only
def test_without_apt_get_it_says_to_install_what_provides_them(plugin, monkeypatch):
    monkeypatch.setattr(window_check, "install_command", lambda packages: None)
    reason = why_no_window(_env(plugin, DISPLAY=":0"), ldd=_ldd("\tlibxcb-icccm.so.4 => not found\n"))
    assert reason is not None and reason.endswith("(libxcb-icccm.so.4); install the system packages that provide them")


@linux_only
def test_no_display_is_named(plugin):
    reason = why_no_window(_env(plugin), ldd=_ldd(""))
    assert reason is not None and "no display (DISPLAY is not set)" in reason and "xvfb-run" in reason
    wayland = why_no_window(_env(plugin, QT_QPA_PLATFORM="wayland"), ldd=_ldd(""))
    assert wayland is not None and "WAYLAND_DISPLAY is not set" in wayland


def _free_display_number() -> int:
    return next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists() and not _answers(n))


def _answers(number: int) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(f"\0/tmp/.X11-unix/X{number}")
        except OSError:
            return False
        return True


@linux_only
def test_a_display_nobody_answers_at_is_named_and_one_that_answers_is_fine(plugin, tmp_path):
    number = _free_display_number()
    reason = why_no_window(_env(plugin, DISPLAY=f":{number}"), ldd=_ldd(""))
    assert reason is not None and f"no X server answers at DISPLAY=:{number}" in reason
    with socket.socket(socket.AF_UNIX) as server:  # an X server's abstract socket, as Xvfb opens it
        server.bind(f"\0/tmp/.X11-unix/X{number}")
        server.listen(1)
        assert why_no_window(_env(plugin, DISPLAY=f":{number}.0"), ldd=_ldd("")) is None


@linux_only
def test_other_platforms_and_a_working_fallback_are_left_to_qt(plugin):
    broken = _ldd("\tlibxcb-icccm.so.4 => not found\n")
    for platform in ("offscreen", "minimal", "xcb;offscreen", "vnc:size=800x600"):
        assert why_no_window(_env(plugin, QT_QPA_PLATFORM=platform), ldd=broken) is None
    # Qt tries wayland, then xcb: a working wayland is enough.
    runtime = plugin.parent / "run"
    runtime.mkdir()
    (runtime / "wayland-0").touch()
    wayland = _env(plugin, QT_QPA_PLATFORM="wayland;xcb", WAYLAND_DISPLAY="wayland-0", XDG_RUNTIME_DIR=str(runtime))
    def xcb_broken(path: Path) -> str:
        return "\tlibxcb-icccm.so.4 => not found\n" if path.name == "libqxcb.so" else ""

    assert why_no_window(wayland, ldd=xcb_broken) is None
    assert "xcb platform plugin" in why_no_window({**wayland, "WAYLAND_DISPLAY": "wayland-9"}, ldd=xcb_broken)


@linux_only
def test_the_check_on_this_machines_real_plugin_takes_under_100_ms():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QT_", "WAYLAND"))}
    env["DISPLAY"] = f":{_free_display_number()}"
    why_no_window(env)  # warm the file cache
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        reason = why_no_window(env)
        timings.append(time.perf_counter() - start)
    assert reason is not None  # libraries missing, or nobody at that display
    assert min(timings) < 0.1, timings


def _run_window(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("QT_", "WAYLAND", "DISPLAY"))}
    return subprocess.run(
        [sys.executable, "-m", "refman", "--library", str(tmp_path / "lib.sqlite")],
        env={**base, "XDG_DATA_HOME": str(tmp_path / "data"), **env},
        capture_output=True, text=True, timeout=60,
    )


@linux_only
@pytest.mark.parametrize("setting", ["no display", "a display nobody answers at"])
def test_refman_says_in_one_line_why_the_window_cannot_open_and_exits_2(tmp_path, setting):
    env = {} if setting == "no display" else {"QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{_free_display_number()}"}
    result = _run_window(env, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("refman: cannot open the window: ")
    assert ("missing" in lines[0] and "install" in lines[0]) or "display" in lines[0].lower()
    assert "qt.qpa" not in result.stderr and "Aborted" not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "lib.sqlite").exists() and not (tmp_path / "data").exists()
