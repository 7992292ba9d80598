# shellcheck shell=bash
# Shell helpers shared by ops/checks/observability.sh and observability-live.sh (sourced).
# They install what the checks need from Debian's packages when it is missing.

apt_updated=0

# Installs Debian packages; needs root and apt-get. Services they ship are not started by the
# checks (the checks run their own throwaway Prometheus).
obs_apt_install() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "observability: missing $*; install the Debian package(s) $* (as root)" >&2
        return 2
    fi
    echo "observability: installing $*" >&2
    if [[ $apt_updated -eq 0 ]]; then
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Makes sure each command exists, installing its Debian package: obs_require CMD=PACKAGE…
obs_require() {
    local pair command package missing=()
    for pair in "$@"; do
        command="${pair%%=*}"
        package="${pair#*=}"
        command -v "$command" >/dev/null 2>&1 || missing+=("$package")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        obs_apt_install "${missing[@]}" || return
    fi
}

# Sets OBS_PYTHON to a python3 that has PyYAML (installing Debian's python3-yaml if none has).
obs_pick_python() {
    local candidate
    for candidate in python3 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
            # shellcheck disable=SC2034 # read by the scripts that source this file
            OBS_PYTHON="$candidate"
            return 0
        fi
    done
    obs_apt_install python3 python3-yaml || return
    # shellcheck disable=SC2034 # read by the scripts that source this file
    OBS_PYTHON=/usr/bin/python3
}
