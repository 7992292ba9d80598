#!/usr/bin/env bash
# Prepare a Debian/Ubuntu host for Klaro worker slots under Wine (run as root).
#   ops/wine/setup-host.sh [/path/to/klaro/checkout]
# Installs Wine (64-bit), Xvfb, Python; creates the klaro user with its home in
# /var/lib/klaro-worker; installs klaro-worker into /opt/klaro/venv (Linux side, for the
# mt5linux backend); creates /etc/klaro with example configuration.
set -euo pipefail
CHECKOUT="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }

dpkg --add-architecture i386
apt-get update -qq
apt-get install -y -qq wine wine64 xvfb python3 python3-venv ca-certificates cabextract >/dev/null

id klaro >/dev/null 2>&1 || useradd --system --home-dir /var/lib/klaro-worker --create-home \
    --shell /usr/sbin/nologin klaro
install -d -o klaro -g klaro -m 0750 /var/lib/klaro-worker
install -d -o root -g klaro -m 0750 /etc/klaro

python3 -m venv /opt/klaro/venv
/opt/klaro/venv/bin/pip install -q --upgrade pip
/opt/klaro/venv/bin/pip install -q "$CHECKOUT/worker[mt5linux]"
mkdir -p /opt/klaro/ops && cp -r "$CHECKOUT/ops/wine" /opt/klaro/ops/

for example in worker.toml worker-wine.toml worker.env; do
    [[ -e /etc/klaro/$example ]] || install -o root -g klaro -m 0640 "$CHECKOUT/ops/wine/$example.example" "/etc/klaro/$example"
done
chmod 0600 /etc/klaro/worker.env

if [[ ! -e /etc/klaro/host.key ]]; then
    /opt/klaro/venv/bin/klaro-worker keygen --out /etc/klaro/host.key
    chown root:klaro /etc/klaro/host.key
    chmod 0640 /etc/klaro/host.key
    echo "give the public key and fingerprint above to the operator (klaro hosts approve)"
fi
echo "next: ops/wine/setup-prefix.sh (as root) to build the Wine prefix, then make-slots.sh"
