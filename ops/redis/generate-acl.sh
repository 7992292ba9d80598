#!/usr/bin/env bash
# Generates Redis ACL users for klarod and for each worker host from users.acl.template
# (docs/fleet.md, "Redis ACLs"), so that one stolen worker host cannot read another host's
# jobs, nor read, trim or delete klaro:results.
#
#   ops/redis/generate-acl.sh [--out DIR] [--address HOST:PORT] [--db N]
#                             [--rotate NAME]... [--remove HOST]... HOST...
#
# Writes DIR/users.acl (mode 0600; default DIR: .). Users already in DIR/users.acl keep their
# passwords (Redis stores only SHA-256 hashes, so they cannot be shown again) and hosts already
# there stay unless removed; run it again with a new host to add it. Each password generated
# in this run is written once, as the Redis URL that side uses, to DIR/credentials/NAME.url
# (mode 0600; NAME is klarod or the host id): copy it to the worker host's environment file
# (KLARO_WORKER_REDIS_URL) or to klarod's (KLARO_REDIS_URL), then delete it.
# --rotate NAME gives klarod or a host a new password. Apply with `redis-cli ACL LOAD`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
template="$here/users.acl.template"
out=.
address=127.0.0.1:6379
db=0
rotate=" "
remove=" "
hosts=()

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
die() { echo "generate-acl: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --address) address=${2:?--address needs host:port}; shift 2 ;;
        --db) db=${2:?--db needs a number}; shift 2 ;;
        --rotate) rotate="$rotate${2:?--rotate needs a name} "; shift 2 ;;
        --remove) remove="$remove${2:?--remove needs a host} "; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "generate-acl: unknown option $1" >&2; usage ;;
        *) hosts+=("$1"); shift ;;
    esac
done

valid_host() { [[ "$1" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]]; }
for host in "${hosts[@]}"; do
    valid_host "$host" || die "'$host' is not a host id ([a-z0-9][a-z0-9-]{0,62}, as in docs/protocol.md)"
done
[[ "$db" =~ ^[0-9]+$ ]] || die "--db must be a number"
[ -r "$template" ] || die "cannot read $template"
command -v sha256sum >/dev/null || die "sha256sum is required"

umask 077
mkdir -p "$out/credentials"
acl="$out/users.acl"

# Hosts already in the file stay unless removed.
if [ -r "$acl" ]; then
    while read -r host; do
        hosts+=("$host")
    done < <(sed -n 's/^user klaro-worker-\([a-z0-9-]*\) .*/\1/p' "$acl")
fi
kept=()
for host in "${hosts[@]}"; do
    [[ "$remove" == *" $host "* ]] || kept+=("$host")
done
mapfile -t hosts < <(printf '%s\n' "${kept[@]+"${kept[@]}"}" | sed '/^$/d' | sort -u)

existing_hash() {
    [ -r "$acl" ] || return 0
    sed -n "s/^user $1 on #\([0-9a-f]\{64\}\) .*/\1/p" "$acl" | head -n 1
}

new_password() {
    # 32 random bytes as 43 URL-safe characters: no escaping needed in a redis:// URL.
    head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'
}

generated=()
hash=""
# Sets $hash for a user, making (and writing the URL of) a new password if needed.
hash_for() {
    local user=$1 name=$2
    hash=$(existing_hash "$user")
    if [ -n "$hash" ] && [[ "$rotate" != *" $name "* ]]; then
        return
    fi
    local password
    password=$(new_password)
    printf 'redis://%s:%s@%s/%s\n' "$user" "$password" "$address" "$db" > "$out/credentials/$name.url"
    chmod 600 "$out/credentials/$name.url"
    generated+=("$name")
    hash=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)
}

tmp=$(mktemp "$out/.users.acl.XXXXXX")
trap 'rm -f "$tmp"' EXIT
hash_for klarod klarod
klarod_hash=$hash
{
    while IFS= read -r line; do
        case "$line" in
            '#'*|'') continue ;;
            *'{HOST}'*)
                for host in "${hosts[@]+"${hosts[@]}"}"; do
                    hash_for "klaro-worker-$host" "$host"
                    echo "$line" | sed -e "s/{HOST_SHA256}/$hash/g" -e "s/{HOST}/$host/g"
                done ;;
            *) echo "${line//\{KLAROD_SHA256\}/$klarod_hash}" ;;
        esac
    done < "$template"
} > "$tmp"
chmod 600 "$tmp"
mv "$tmp" "$acl"
trap - EXIT

echo "wrote $acl: klarod and ${#hosts[@]} worker host(s): ${hosts[*]-none}"
if [ ${#generated[@]} -gt 0 ]; then
    echo "new passwords (as Redis URLs, shown nowhere else) in $out/credentials/: ${generated[*]/%/.url}"
fi
echo "apply with: redis-cli ACL LOAD   (redis.conf: aclfile /path/to/users.acl)"
