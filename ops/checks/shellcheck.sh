#!/usr/bin/env bash
# Runs shellcheck over every shell script under ops/ (a bash/sh shebang, or a
# `# shellcheck shell=` directive for the files that are only sourced) and fails on any
# finding, notes included: ops/ stays shellcheck clean. Part of `ops/test systemd`.
#
# Usage: ops/checks/shellcheck.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ops/lib.sh
. ops/lib.sh

command -v shellcheck >/dev/null 2>&1 || klaro_ensure_packages shellcheck

scripts=()
while IFS= read -r -d '' file; do
    if head -1 "$file" | grep -qE '^#!.*\b(ba)?sh\b' || grep -q '^# shellcheck shell=' "$file"; then
        scripts+=("$file")
    fi
done < <(find ops -type f ! -name '*.py' ! -name '*.ps1' ! -name '*.md' -print0 | sort -z)
[ ${#scripts[@]} -gt 0 ] || klaro_die "shellcheck: no shell scripts found under ops/"

# -x follows `source` lines (their `# shellcheck source=` paths are relative to the repository).
if shellcheck -x "${scripts[@]}"; then
    echo "shellcheck: ${#scripts[@]} script(s) clean"
else
    echo "shellcheck: findings above (ops/ must stay shellcheck clean)" >&2
    exit 1
fi
