#!/usr/bin/env bash
# deps.sh - install the Debian packages zeropark needs, only those missing.
#
# Usage: scripts/deps.sh [build|test|fuzz|bench|all]...
# Checks each package with dpkg -s and runs apt-get install -y only for the
# missing ones (as root, or through sudo when available). Idempotent and
# quiet when everything is present.
set -euo pipefail

build=(gcc make cmake pkg-config libjansson-dev libsqlite3-dev libssl-dev coinor-libclp-dev coinor-libcbc-dev
       libmodbus-dev libmosquitto-dev libmicrohttpd-dev nodejs)
test=(libcmocka-dev sqlite3 python3 python3-ephem python3-scipy python3-numpy python3-pandas glpk-utils chromium nodejs fonts-wqy-microhei
      mosquitto mosquitto-clients mbpoll python3-pymodbus wrk xxd)
fuzz=(clang libclang-rt-14-dev)
bench=(python3-scipy python3-pandas wrk mosquitto chromium)

want=()
[ $# -eq 0 ] && set -- build
for group in "$@"; do
    case "$group" in
        build) want+=("${build[@]}") ;;
        test) want+=("${build[@]}" "${test[@]}") ;;
        fuzz) want+=("${build[@]}" "${fuzz[@]}") ;;
        bench) want+=("${build[@]}" "${bench[@]}") ;;
        all) want+=("${build[@]}" "${test[@]}" "${fuzz[@]}" "${bench[@]}") ;;
        -h|--help)
            sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
            exit 0 ;;
        *) echo "deps.sh: unknown group '$group' (use build, test, fuzz, bench or all)" >&2; exit 2 ;;
    esac
done

missing=()
# npm (the web dashboard's build, scripts/web.sh) ships inside some nodejs
# builds (NodeSource); Debian packages it apart.
for p in "${want[@]}"; do
    if [ "$p" = nodejs ] && ! command -v npm >/dev/null 2>&1; then
        want+=(npm)
    fi
done
for p in "${want[@]}"; do
    if ! dpkg -s "$p" >/dev/null 2>&1; then
        case " ${missing[*]-} " in *" $p "*) ;; *) missing+=("$p") ;; esac
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing missing Debian packages: ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "deps.sh: not root and no sudo; install as root: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
