"""Can the window open here?  Asked before Qt loads, so that a missing display or
system library is one line with the command that fixes it, never Qt's abort.

On Linux, Qt draws through a platform plugin (``xcb`` for X11, ``wayland``), a
shared library that needs system libraries pip cannot install.  Qt aborts the
process when the plugin cannot load or the display cannot be reached.  This
module finds both beforehand: ``ldd`` on the plugin lists the libraries that are
"not found" (named here by their Debian/Ubuntu package), and a socket connect
tells whether an X server answers at ``$DISPLAY``.  No Qt import happens here.
See docs/decisions/0018-starting-on-any-machine.md.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# The platforms this module can judge; any other (offscreen, minimal, vnc, eglfs...) is left to Qt.
_PLUGINS = {"xcb": "libqxcb.so", "wayland": "libqwayland.so"}

# Debian package names that do not follow the rule of Debian Policy 8.1 (see debian_package).
_PACKAGE_OF = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libz.so.1": "zlib1g",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libgcc_s.so.1": "libgcc-s1",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
    "librt.so.1": "libc6",
}
_SONAME = re.compile(r"^(?P<base>lib[\w+.-]+?)\.so\.(?P<version>[\d.]+)$")
_NOT_FOUND = re.compile(r"^\s*(?P<soname>\S+)\s+=>\s+not found\s*$", re.MULTILINE)
_X_DISPLAY = re.compile(r"^(?P<host>[^:/]*):(?P<number>\d+)(?:\.\d+)?$")

LddRunner = Callable[[Path], str]


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a shared library, by Debian Policy 8.1's naming rule.

    ``libxcb-icccm.so.4`` is in ``libxcb-icccm4``; a name ending in a digit takes
    a hyphen (``libxkbcommon-x11.so.0`` is in ``libxkbcommon-x11-0``).
    """
    if soname in _PACKAGE_OF:
        return _PACKAGE_OF[soname]
    match = _SONAME.match(soname)
    if match is None:
        return soname
    base, version = match.group("base").lower(), match.group("version").split(".")[0]
    return f"{base}-{version}" if base[-1].isdigit() else f"{base}{version}"


def missing_libraries(ldd_output: str) -> list[str]:
    """The sonames ``ldd`` reports as "not found", each once, in its order."""
    return list(dict.fromkeys(match.group("soname") for match in _NOT_FOUND.finditer(ldd_output)))


def install_command(packages: list[str], *, is_root: bool | None = None, has_apt: bool | None = None) -> str | None:
    """The apt-get line that installs ``packages`` (with sudo unless root); None where there is no apt-get."""
    if has_apt is None:
        has_apt = shutil.which("apt-get") is not None
    if not has_apt:
        return None
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return ("" if is_root else "sudo ") + "apt-get install -y " + " ".join(packages)


def why_no_window(env: Mapping[str, str] | None = None, ldd: LddRunner | None = None) -> str | None:
    """Why Qt could not open the window here, in one line; None when it can (or this cannot tell)."""
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if env is None else env
    platforms = _platforms(env)
    if any(name not in _PLUGINS for name in platforms):
        return None  # offscreen, minimal, vnc...: nothing to judge
    problems = [_problem(name, env, ldd or _run_ldd) for name in platforms]
    if any(problem is None for problem in problems):
        return None  # Qt tries the platforms in order and one of them starts
    return problems[platforms.index("xcb")] if "xcb" in platforms else problems[0]


def _platforms(env: Mapping[str, str]) -> list[str]:
    """The platforms Qt will try, in order: ``$QT_QPA_PLATFORM`` (``wayland;xcb``, ``xcb:option``), else its default."""
    chosen = [item.split(":", 1)[0].strip() for item in env.get("QT_QPA_PLATFORM", "").split(";")]
    chosen = [name for name in chosen if name]
    if chosen:
        return chosen
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return ["wayland", "xcb"]
    return ["xcb"]


def _problem(platform: str, env: Mapping[str, str], ldd: LddRunner) -> str | None:
    plugin = _plugin_path(platform, env)
    if plugin is not None:
        try:
            missing = missing_libraries(ldd(plugin))
        except (OSError, subprocess.SubprocessError):
            missing = []  # no ldd here: leave it to Qt
        if missing:
            packages = list(dict.fromkeys(debian_package(soname) for soname in missing))
            command = install_command(packages)
            fix = f"install them with: {command}" if command else "install the system packages that provide them"
            return (f"cannot open the window: Qt's {platform} platform plugin needs system libraries "
                    f"that are missing ({', '.join(missing)}); {fix}")
    return _display_problem(platform, env)


def _display_problem(platform: str, env: Mapping[str, str]) -> str | None:
    headless = ("run refman in a desktop session, or under a virtual display with: xvfb-run -a refman "
                "(package xvfb); 'refman import' and 'refman list' need no display")
    if platform == "wayland":
        name = env.get("WAYLAND_DISPLAY", "")
        if not name:
            return f"cannot open the window: no display (WAYLAND_DISPLAY is not set); {headless}"
        socket_path = Path(name) if name.startswith("/") else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent")) / name
        if not socket_path.exists():
            return f"cannot open the window: no Wayland display at {socket_path}; {headless}"
        return None
    display = env.get("DISPLAY", "")
    if not display:
        return f"cannot open the window: no display (DISPLAY is not set); {headless}"
    if not _x_server_answers(display):
        return f"cannot open the window: no X server answers at DISPLAY={display}; {headless}"
    return None


def _x_server_answers(display: str) -> bool:
    """Whether something listens where Xlib would connect for ``display`` (True when the form is unknown)."""
    match = _X_DISPLAY.match(display)
    if match is None:
        return True
    host, number = match.group("host"), int(match.group("number"))
    try:
        if host not in ("", "unix"):
            socket.create_connection((host, 6000 + number), timeout=0.5).close()
            return True
        for address in (f"\0/tmp/.X11-unix/X{number}", f"/tmp/.X11-unix/X{number}"):  # Linux's abstract socket first
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(address)
                    return True
                except OSError:
                    continue
    except OSError:
        pass
    return False


def _plugin_path(platform: str, env: Mapping[str, str]) -> Path | None:
    """The plugin file Qt will load, found without importing Qt."""
    folders = [Path(folder) for folder in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if folder]
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        folders += [Path(location) / "Qt" / "plugins" / "platforms" for location in spec.submodule_search_locations]
    for folder in folders:
        candidate = folder / _PLUGINS[platform]
        if candidate.is_file():
            return candidate
    return None


def _run_ldd(plugin: Path) -> str:
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10, errors="replace")
    return result.stdout
