#!/usr/bin/env bash
# Make one portable copy of the MT5 terminal per slot: C:\klaro\terminals\slot-N\terminal64.exe.
#   ops/wine/make-slots.sh SLOTS MASTER_DIR [TERMINALS_DIR]
# MASTER_DIR: an installed terminal folder (holding terminal64.exe). Each slot gets its own copy,
# so that each terminal keeps its own data (portable mode) and one slot never waits on another.
# Existing slot folders are left alone (their caches stay warm); delete one to rebuild it.
set -euo pipefail
SLOTS="$1"
MASTER="$2"
TERMINALS="${3:-/var/lib/klaro-worker/wine/drive_c/klaro/terminals}"
[[ -f "$MASTER/terminal64.exe" ]] || { echo "$MASTER has no terminal64.exe" >&2; exit 1; }
install -d "$TERMINALS"
for ((n = 1; n <= SLOTS; n++)); do
    slot="$TERMINALS/slot-$n"
    if [[ -e "$slot/terminal64.exe" ]]; then
        echo "slot $n: $slot exists, kept"
        continue
    fi
    cp -a "$MASTER" "$slot"
    # Start from a clean portable state: no accounts, no logs from the master.
    rm -rf "$slot/Config/accounts.dat" "$slot/logs" "$slot/MQL5/Logs" "$slot/Bases"/*/history 2>/dev/null || true
    echo "slot $n: $slot"
done
chown -R klaro:klaro "$TERMINALS" 2>/dev/null || true
