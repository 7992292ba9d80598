#!/usr/bin/env bash
# Install and start the systemd units for N slots (run as root).
#   ops/wine/install-units.sh SLOTS [mt5linux|metatrader5]
set -euo pipefail
SLOTS="$1"
BACKEND="${2:-mt5linux}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
install -m 0644 "$HERE/../systemd/klaro-worker@.service" /etc/systemd/system/
install -m 0644 "$HERE/klaro-xvfb.service" /etc/systemd/system/
install -m 0644 "$HERE/klaro-mt5linux@.service" /etc/systemd/system/
if [[ "$BACKEND" == metatrader5 ]]; then
    # Worker inside Wine's Python: swap the ExecStart lines with a drop-in.
    install -d /etc/systemd/system/klaro-worker@.service.d
    cat > /etc/systemd/system/klaro-worker@.service.d/wine-python.conf <<'CONF'
[Service]
ExecStart=
ExecStart=/usr/bin/wine C:\\Python311\\python.exe -m klaro_worker slot --slot %i --config Z:\\etc\\klaro\\worker-wine.toml
CONF
fi
systemctl daemon-reload
systemctl enable --now klaro-xvfb.service
for ((n = 1; n <= SLOTS; n++)); do
    [[ "$BACKEND" == mt5linux ]] && systemctl enable --now "klaro-mt5linux@$n.service"
    systemctl enable --now "klaro-worker@$n.service"
done
systemctl --no-pager --lines=0 status 'klaro-worker@*'
