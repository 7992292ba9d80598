# Shared shell helpers for ops/demo and ops/test. Source it; do not run it.
# shellcheck shell=bash

# Debian packages klarod needs to build and run, and those the tests need (read by the
# scripts that source this file).
# shellcheck disable=SC2034
KLARO_BUILD_PACKAGES=(pkg-config libpq-dev libhiredis-dev libsystemd-dev libssl-dev libargon2-dev)
# shellcheck disable=SC2034
KLARO_SERVER_PACKAGES=(postgresql redis-server)
# shellcheck disable=SC2034
KLARO_TOOL_PACKAGES=(curl openssl postgresql-client redis-tools python3 python3-pip python3-venv prometheus systemd shellcheck)

klaro_log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
klaro_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the Debian packages given that are not installed yet.
klaro_ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    klaro_log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Makes sure a Swift toolchain is on PATH.
klaro_ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || klaro_die "Swift 6 is required (https://swift.org/install); put 'swift' on PATH"
}

# A TCP port on 127.0.0.1 that is free right now.
klaro_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The newest PostgreSQL server binaries.
klaro_pg_bin() {
    local version
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -1)
    [ -n "$version" ] || klaro_die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    echo "/usr/lib/postgresql/$version/bin"
}

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
klaro_as_postgres() {
    # From /, since the caller's directory may not be readable by postgres.
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# klaro_pg_start DIR PORT [durable]: creates (once) and starts a throwaway cluster in DIR on
# 127.0.0.1:PORT. Without "durable" it skips fsync, which tests and the demo do not need.
klaro_pg_start() {
    local dir=$1 port=$2 durability=${3:-fast} bin
    bin=$(klaro_pg_bin)
    mkdir -p "$dir"
    chmod 777 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        klaro_as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; klaro_die "initdb failed"; }
    fi
    local options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
    [ "$durability" = durable ] || options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    klaro_as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "$options" \
        start >/dev/null || { tail -20 "$dir/postgres.log" >&2; klaro_die "PostgreSQL did not start"; }
}

klaro_pg_stop() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    klaro_as_postgres "$(klaro_pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# klaro_redis_start DIR PORT: a throwaway Redis in DIR on 127.0.0.1:PORT.
klaro_redis_start() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --databases 1024 \
        --save "" --appendonly no >/dev/null || klaro_die "Redis did not start"
    for _ in $(seq 1 100); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    klaro_die "Redis did not answer on port $port"
}

klaro_redis_stop() {
    local dir=$1
    [ -f "$dir/redis.pid" ] || return 0
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    rm -f "$dir/redis.pid"
}

# Waits until URL answers 200, or gives up after SECONDS.
klaro_wait_http() {
    local url=$1 seconds=${2:-60}
    for _ in $(seq 1 $((seconds * 5))); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# Prints the Python that has the klaro_worker package (from this checkout) installed,
# installing it first if needed: into a virtual environment under ~/.cache/klaro when the
# system Python is externally managed (Debian 12), else into the current Python.
klaro_worker_python() {
    local root python venv
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    python=${PYTHON:-python3}
    if [ "$("$python" -c 'import os, sys, sysconfig; print(int(sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))')" = 1 ]; then
        venv=${KLARO_WORKER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/klaro/worker-venv}
        [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" >&2 || klaro_die "cannot create a Python virtual environment (apt-get install python3-venv)"
        python="$venv/bin/python"
    fi
    if ! "$python" - "$root/worker" >/dev/null 2>&1 <<'PY'
import os, sys
import klaro_worker, redis, cryptography  # noqa: F401
sys.exit(0 if os.path.realpath(klaro_worker.__file__).startswith(os.path.realpath(sys.argv[1]) + os.sep) else 1)
PY
    then
        klaro_log "installing klaro-worker from $root/worker"
        "$python" -m pip install -q --disable-pip-version-check -e "$root/worker" >&2
    fi
    # An absolute path: the Swift tests start it without a PATH lookup.
    "$python" -c 'import sys; print(sys.executable)'
}

# klaro_fleet_start DIR REDIS_URL HOSTS SLOTS [SCENARIO]: starts HOSTS simulated worker hosts
# (klaro-worker host, sim backend) named sim-1…, with keys and logs under DIR.
klaro_fleet_start() {
    local dir=$1 redis=$2 hosts=$3 slots=$4 scenario=${5:-} python host args
    python=$(klaro_worker_python)
    mkdir -p "$dir"
    for index in $(seq 1 "$hosts"); do
        host="sim-$index"
        [ -f "$dir/$host.key" ] || "$python" -m klaro_worker keygen --out "$dir/$host.key" >/dev/null
        if [ -f "$dir/$host.pid" ] && kill -0 "$(cat "$dir/$host.pid")" 2>/dev/null; then continue; fi
        mkdir -p "$dir/$host-terminals"
        args=(host --host-id "$host" --slots "$slots" --terminals-dir "$dir/$host-terminals" --redis "$redis"
              --key-file "$dir/$host.key" --backend sim)
        [ -n "$scenario" ] && args+=(--sim-scenario "$scenario")
        nohup "$python" -m klaro_worker "${args[@]}" >>"$dir/$host.log" 2>&1 &
        echo $! >"$dir/$host.pid"
    done
}

klaro_fleet_stop() {
    local dir=$1
    for pidfile in "$dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

# Approves every worker host that registered and waits for an operator (demo and tests only:
# a real operator checks each key's fingerprint first).
klaro_approve_hosts() {
    local database=$1 expected=$2
    for _ in $(seq 1 150); do
        local count
        count=$(psql "$database" -Atqc "SELECT count(*) FROM worker_hosts" 2>/dev/null || echo 0)
        [ "${count:-0}" -ge "$expected" ] && break
        sleep 0.2
    done
    psql "$database" -qc "UPDATE worker_hosts SET approved_key = public_key, admin_state = 'active', approved_at = now(),
        approved_by = 'ops/demo' WHERE approved_key IS DISTINCT FROM public_key" >/dev/null
}

# The scratch stack of a check under ops/checks, on the servers ops/test started: a database
# and a Redis database of its own, and klarod built from this tree. klaro_check_init LABEL
# REDIS_DB sets the globals tmp, database and redis and arms the cleanup (on failure it prints
# the tails of klarod's and the first worker's logs; it always drops the database and tmp).
klaro_check_init() {
    : "${KLARO_TEST_DATABASE_URL:?run through ops/test, which starts PostgreSQL and Redis}"
    : "${KLARO_TEST_REDIS_URL:?run through ops/test, which starts PostgreSQL and Redis}"
    klaro_check_database="klaro_${1}_$$"
    tmp=$(mktemp -d "/tmp/klaro-$1.XXXXXX")
    database="${KLARO_TEST_DATABASE_URL%/*}/$klaro_check_database"
    redis="${KLARO_TEST_REDIS_URL%/*}/$2"
    klarod_pid=""
    trap klaro_check_cleanup EXIT INT TERM
}

klaro_check_cleanup() {
    local status=$?
    klaro_fleet_stop "$tmp/fleet"
    [ -n "$klarod_pid" ] && kill "$klarod_pid" 2>/dev/null && wait "$klarod_pid" 2>/dev/null
    if [ $status -ne 0 ]; then
        echo "--- klarod log (tail) ---" >&2
        tail -30 "$tmp/klarod.log" >&2 || true
        if [ -f "$tmp/fleet/sim-1.log" ]; then
            echo "--- worker log (tail) ---" >&2
            tail -15 "$tmp/fleet/sim-1.log" >&2
        fi
    fi
    psql "$KLARO_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $klaro_check_database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$tmp"
    exit $status
}

# Builds klarod (stopping on the build's own status: a failure without an "error:" line must
# not leave an old klarod in place) and sets the global bin.
klaro_check_build() {
    klaro_ensure_swift
    swift build --product klarod >"$tmp/build.log" 2>&1 \
        || { grep -E "error:" "$tmp/build.log" >&2 || tail -20 "$tmp/build.log" >&2; klaro_die "building klarod failed"; }
    bin=$(swift build --show-bin-path)
}

# Creates the check's database and empties its Redis database, then migrates and starts klarod
# on a free port with fresh secrets (exported: KLARO_ADMIN_TOKEN, KLARO_JWT_SECRET) and the
# node name NODE; other KLARO_* settings are the caller's exports. Sets port and klarod_pid.
klaro_check_serve() {
    local node=$1
    psql "$KLARO_TEST_DATABASE_URL" -qc "CREATE DATABASE $klaro_check_database"
    redis-cli -u "$redis" FLUSHDB >/dev/null
    port=$(klaro_free_port)
    export KLARO_DATABASE_URL=$database KLARO_REDIS_URL=$redis KLARO_HTTP_ADDRESS="127.0.0.1:$port"
    # Tokens a check signs carry klarod's issuer: this URL + /auth/v1.
    export KLARO_PUBLIC_URL="http://127.0.0.1:$port" KLARO_NODE_NAME=$node KLARO_LOG=stderr
    KLARO_ADMIN_TOKEN="$node-admin-$(openssl rand -hex 16)"
    KLARO_JWT_SECRET=$(openssl rand -hex 32)
    KLARO_CREDENTIAL_KEYS=$("$bin/klarod" keys generate --id "$node")
    export KLARO_ADMIN_TOKEN KLARO_JWT_SECRET KLARO_CREDENTIAL_KEYS
    KLARO_LOG_LEVEL=warning "$bin/klarod" migrate >/dev/null
    "$bin/klarod" serve >"$tmp/klarod.log" 2>&1 &
    klarod_pid=$!
    klaro_wait_http "http://127.0.0.1:$port/readyz" 60 || klaro_die "klarod did not become ready"
}
