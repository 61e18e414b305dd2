#!/bin/sh
# Install the system libraries refman's window needs on Debian and Ubuntu, only those missing.
#
# pip installs Qt (PySide6) but not the system libraries its X11 platform plugin (xcb) links;
# without them the window cannot open.  This also installs python3-venv when `python3 -m venv`
# would fail for the lack of it.  Installing needs root, or sudo (which may ask for a password).
# Where there is no apt-get it does nothing, and it never fails: `refman` itself says in one line
# what is still missing.  See docs/decisions/0018-starting-on-any-machine.md.
#
# Each line: a library that PySide6's libqxcb.so, libQt6XcbQpa, libQt6Gui, libQt6Widgets,
# libQt6Core, libQt6DBus or its xcb GL integrations link directly (readelf -d: NEEDED), and the
# Debian/Ubuntu package that ships it.  apt-get brings what those need in turn.
LIBRARIES='
libEGL.so.1 libegl1
libGL.so.1 libgl1
libX11.so.6 libx11-6
libX11-xcb.so.1 libx11-xcb1
libdbus-1.so.3 libdbus-1-3
libfontconfig.so.1 libfontconfig1
libfreetype.so.6 libfreetype6
libglib-2.0.so.0 libglib2.0-0
libgthread-2.0.so.0 libglib2.0-0
libxcb.so.1 libxcb1
libxcb-cursor.so.0 libxcb-cursor0
libxcb-glx.so.0 libxcb-glx0
libxcb-icccm.so.4 libxcb-icccm4
libxcb-image.so.0 libxcb-image0
libxcb-keysyms.so.1 libxcb-keysyms1
libxcb-randr.so.0 libxcb-randr0
libxcb-render.so.0 libxcb-render0
libxcb-render-util.so.0 libxcb-render-util0
libxcb-shape.so.0 libxcb-shape0
libxcb-shm.so.0 libxcb-shm0
libxcb-sync.so.1 libxcb-sync1
libxcb-util.so.1 libxcb-util1
libxcb-xfixes.so.0 libxcb-xfixes0
libxcb-xkb.so.1 libxcb-xkb1
libxkbcommon.so.0 libxkbcommon0
libxkbcommon-x11.so.0 libxkbcommon-x11-0
'

command -v apt-get >/dev/null 2>&1 || exit 0
PATH="$PATH:/sbin:/usr/sbin"  # ldconfig, for users whose PATH leaves these out

known=$(ldconfig -p 2>/dev/null)
missing=""
while read -r library package; do
    [ -n "$library" ] || continue
    case "$known" in
        *"$library "*) ;;
        *) case " $missing " in *" $package "*) ;; *) missing="$missing $package" ;; esac ;;
    esac
done <<LIST
$LIBRARIES
LIST
if command -v python3 >/dev/null 2>&1 && ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    missing="$missing python3-venv"
fi
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "refman needs these system packages; ask an administrator to run: apt-get install -y$missing" >&2
    exit 0
fi
echo "Installing the system libraries refman's window needs:$missing" >&2
# shellcheck disable=SC2086  # $missing is a list of words
# apt's and dpkg's progress goes away; their errors stay on stderr.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || { $as_root apt-get update -qq >/dev/null \
         && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; } \
    || echo "Could not install:$missing (refman will say what is missing)" >&2
exit 0
