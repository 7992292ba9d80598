#!/usr/bin/env bash
# A bounded chaos run (part of `ops/test e2e`, about 2 minutes): 2 klarod replicas and
# simulated Python worker hosts on a PostgreSQL and a Redis of its own, through a leader
# kill, a slot kill, a host kill, Redis restarts with and without its data and a PostgreSQL
# restart; then no result may be lost, no row written twice, no two jobs of an account
# overlap, nothing stays in flight and every account syncs again (ops/chaos/chaos.py).
# `ops/bench chaos` runs the same longer and prints the same figures.
#
# Usage: ops/checks/chaos.sh [chaos.py options, e.g. --accounts 300 --rounds 3]
#        KLARO_CHAOS_BUILD=release ops/checks/chaos.sh …   (a release klarod)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ops/lib.sh
. ops/lib.sh

klaro_ensure_packages "${KLARO_SERVER_PACKAGES[@]}" postgresql-client redis-tools procps
klaro_ensure_swift
configuration=${KLARO_CHAOS_BUILD:-debug}
build_log=$(mktemp /tmp/klaro-chaos-build.XXXXXX)
trap 'rm -f "$build_log"' EXIT
swift build -c "$configuration" --product klarod >"$build_log" 2>&1 \
    || { grep -E "error:" "$build_log" || tail -20 "$build_log"; klaro_die "building klarod failed"; }
bin=$(swift build -c "$configuration" --show-bin-path)
python=$(klaro_worker_python)
[ -n "$python" ] || klaro_die "no Python with klaro_worker"
"$python" ops/chaos/chaos.py --klarod "$bin/klarod" --python "$python" "$@"
