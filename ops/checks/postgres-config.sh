#!/usr/bin/env bash
# Checks ops/postgresql/klaro.conf against this machine's PostgreSQL, installed as an operator
# installs it (a conf.d drop-in): a throwaway cluster starts with it, and every setting in the
# file is in force from the file (PostgreSQL refuses to start on an invalid value and ignores a
# line it does not apply, e.g. wal_compression = lz4 on a server built without lz4).
# Part of `ops/test systemd`.
#
# Usage: ops/checks/postgres-config.sh [config-file]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ops/lib.sh
. ops/lib.sh

conf=$(realpath "${1:-ops/postgresql/klaro.conf}")
[ -f "$conf" ] || klaro_die "postgres-config: $conf not found"
dir=$(mktemp -d /tmp/klaro-pgconf.XXXXXX)
chmod 777 "$dir"
trap 'klaro_pg_stop "$dir"; rm -rf "$dir"' EXIT INT TERM
port=$(klaro_free_port)

# Create the cluster, then install the file as Debian's clusters take drop-ins.
klaro_pg_start "$dir" "$port" durable
klaro_pg_stop "$dir"
mkdir -p "$dir/data/conf.d"
cp "$conf" "$dir/data/conf.d/klaro.conf"
chmod -R a+rX "$dir/data/conf.d"  # PostgreSQL only reads it
echo "include_dir = 'conf.d'" >>"$dir/data/postgresql.conf"
klaro_pg_start "$dir" "$port" durable

expected=$(grep -cE '^[[:space:]]*[a-z_]+[[:space:]]*=' "$conf")
applied=$(psql -X -A -t -h 127.0.0.1 -p "$port" -U postgres -d postgres -c \
    "SELECT count(*) FROM pg_settings WHERE sourcefile LIKE '%/conf.d/klaro.conf'")
psql -X -A -t -h 127.0.0.1 -p "$port" -U postgres -d postgres -F ' ' -c \
    "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE sourcefile LIKE '%/conf.d/klaro.conf' ORDER BY name" \
    | sed 's/^/postgres-config: in force: /'
if [ "$applied" -ne "$expected" ]; then
    klaro_die "postgres-config: $expected settings in $conf, $applied in force from it"
fi
echo "postgres-config: all $expected settings of $(basename "$conf") in force on PostgreSQL $(psql --version | awk '{print $3}')"
