# Shared shell helpers for ops/demo and ops/test. Source it; do not run it.
# shellcheck shell=bash

# Debian packages klarod needs to build and run, and those the tests need.
KLARO_BUILD_PACKAGES=(pkg-config libpq-dev libhiredis-dev libsystemd-dev libssl-dev)
KLARO_SERVER_PACKAGES=(postgresql redis-server)
KLARO_TOOL_PACKAGES=(curl python3 python3-pip python3-venv prometheus systemd)

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
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
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
