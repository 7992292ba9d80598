#!/usr/bin/env bash
# Checks every systemd service unit in ops/systemd (or the directory given as $1) with
# `systemd-analyze verify`, and fails on any problem it reports.
#
# - systemd-analyze exits 0 on many real mistakes (unknown keys, unparsable values are
#   "ignored" with a message), so any output at all counts as a failure.
# - The binaries the units start (/usr/local/bin/klarod, the worker's venv, ...) are not
#   installed here, and verify rejects a missing ExecStart binary. The units are therefore
#   checked as copies in a temporary directory, with every absolute Exec*= path that does not
#   exist on this machine pointed at a stand-in executable of the same path under that directory.
# - Templates (name@.service) cannot be verified as such: they are verified through the
#   instance name@1.service, which systemd-analyze resolves to the template beside it.
# - Units are copied together, so a unit may refer to its siblings; a Requires= on a unit that
#   this machine does not have is reported (use Wants=/After= for optional dependencies).
#
# Usage: ops/checks/systemd-units.sh [units-directory]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
units_dir="${1:-$repo_root/ops/systemd}"

if ! command -v systemd-analyze >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "systemd-units: installing systemd for systemd-analyze" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
    else
        echo "systemd-units: systemd-analyze not found; install the 'systemd' package" >&2
        exit 2
    fi
fi

shopt -s nullglob
units=("$units_dir"/*.service)
if [[ ${#units[@]} -eq 0 ]]; then
    echo "systemd-units: no *.service files in $units_dir" >&2
    exit 1
fi

work="$(mktemp -d -t klaro-units.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/units" "$work/stand-ins"

# Creates (once) an executable stand-in for a missing binary and prints its path.
stand_in_for() {
    local target="$work/stand-ins$1"
    if [[ ! -x $target ]]; then
        mkdir -p "$(dirname "$target")"
        printf '#!/bin/sh\nexit 0\n' >"$target"
        chmod 0755 "$target"
    fi
    printf '%s' "$target"
}

# Copies a unit, pointing Exec*= lines whose binary is missing here at stand-ins.
copy_unit() {
    local source="$1" line key prefix path rest
    local pattern='^(Exec[A-Za-z]+=)([-@:+!]*)(/[^[:space:]]+)(.*)$'
    # shellcheck disable=SC2094 # reads the unit, writes its copy under $work
    while IFS= read -r line || [[ -n $line ]]; do
        if [[ $line =~ $pattern ]]; then
            key="${BASH_REMATCH[1]}" prefix="${BASH_REMATCH[2]}" path="${BASH_REMATCH[3]}" rest="${BASH_REMATCH[4]}"
            if [[ ! -x $path ]]; then
                line="$key$prefix$(stand_in_for "$path")$rest"
            fi
        fi
        printf '%s\n' "$line"
    done <"$source" >"$work/units/$(basename "$source")"
}

for unit in "${units[@]}"; do
    copy_unit "$unit"
done

failures=0
for unit in "${units[@]}"; do
    name="$(basename "$unit")"
    if [[ $name == *@.service ]]; then
        target="${name%@.service}@1.service"
    else
        target="$name"
    fi
    status=0
    output="$(systemd-analyze verify --man=no "$work/units/$target" 2>&1)" || status=$?
    # Report paths as they are in the repository, not in the temporary copy.
    output="${output//$work\/units/$units_dir}"
    output="${output//$work\/stand-ins/}"
    if [[ $status -ne 0 || -n $output ]]; then
        echo "FAIL $name (verified as $target, exit $status):"
        printf '%s\n' "$output" | sed 's/^/    /'
        failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
done

if [[ $failures -gt 0 ]]; then
    echo "systemd-units: $failures of ${#units[@]} unit(s) have problems" >&2
    exit 1
fi
echo "systemd-units: ${#units[@]} unit(s) verified"
