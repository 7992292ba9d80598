#!/usr/bin/env bash
# Build the Wine prefix of the klaro user: Windows Python and the MT5 terminal (run as root).
#   ops/wine/setup-prefix.sh PYTHON_INSTALLER.exe MT5SETUP.exe [/path/to/klaro/checkout]
# PYTHON_INSTALLER: the official Windows x86-64 installer of Python 3.11 (python-3.11.x-amd64.exe).
# MT5SETUP: the broker's or MetaQuotes' mt5setup.exe. Both are downloaded by the operator.
set -euo pipefail
PYTHON_INSTALLER="$(realpath "$1")"
MT5SETUP="$(realpath "$2")"
CHECKOUT="${3:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PREFIX=/var/lib/klaro-worker/wine
as_klaro() { runuser -u klaro -- env HOME=/var/lib/klaro-worker WINEPREFIX="$PREFIX" WINEDEBUG=-all DISPLAY=:99 "$@"; }

systemctl start klaro-xvfb.service 2>/dev/null || (runuser -u klaro -- Xvfb :99 -screen 0 1024x768x16 &) ; sleep 2
as_klaro wineboot --init
as_klaro wine "$PYTHON_INSTALLER" /quiet InstallAllUsers=0 TargetDir='C:\Python311' PrependPath=0 Include_test=0
as_klaro wine 'C:\Python311\python.exe' -m pip install -q --upgrade pip
# In-Wine packages: MetaTrader5 for both variants; rpyc/plumbum for the mt5linux bridge (rpyc pinned
# to the version mt5linux pins on the Linux side: RPyC 5 and 6 do not interoperate); the worker
# itself (with redis, cryptography) for the recommended metatrader5-in-Wine variant.
as_klaro wine 'C:\Python311\python.exe' -m pip install -q MetaTrader5 rpyc==5.2.3 plumbum
install -d -o klaro -g klaro "$PREFIX/drive_c/klaro/src"
cp -r "$CHECKOUT/worker" "$PREFIX/drive_c/klaro/src/" && chown -R klaro:klaro "$PREFIX/drive_c/klaro/src"
as_klaro wine 'C:\Python311\python.exe' -m pip install -q 'C:\klaro\src\worker'
# The terminal: /auto installs silently into C:\Program Files\MetaTrader 5 (or the broker's folder).
as_klaro wine "$MT5SETUP" /auto
echo "installed terminals:"; ls -d "$PREFIX"/drive_c/Program\ Files/*MetaTrader* 2>/dev/null || true
echo "next: ops/wine/make-slots.sh 4 \"$PREFIX/drive_c/Program Files/MetaTrader 5\""
