#!/usr/bin/env bash
# deps.sh - install the Debian packages zeropark needs, only those missing.
#
# Usage: scripts/deps.sh [build|test|fuzz|bench|all]...
#        scripts/deps.sh --list GROUP...   print the groups' packages, one a line
# Checks each package with dpkg -s and runs apt-get install -y only for the
# missing ones (as root, or through sudo when available). Idempotent and
# quiet when everything is present.
#
# Packages are installed with --no-install-recommends, so every package that
# a Recommends would have pulled in and that the build or a test needs is
# listed here itself (libc6-dev for gcc, python3-serial for pymodbus, ...).
# tests/need.sh names the package of each command and Python module that the
# tests run; the `prereqs` test checks that all of them are in the test group.
set -euo pipefail

# libc6-dev: recommended by gcc, needed to compile anything. zlib1g-dev:
# CoinUtils' pkg-config file links -lz, but coinor-libcoinutils-dev does not
# depend on it. ca-certificates: recommended by Debian's nodejs, needed by
# npm to fetch the dashboard's packages over HTTPS. npm: Debian ships it
# apart from nodejs.
build=(gcc libc6-dev make cmake pkg-config libjansson-dev libsqlite3-dev libssl-dev coinor-libclp-dev coinor-libcbc-dev
       zlib1g-dev libmodbus-dev libmosquitto-dev libmicrohttpd-dev nodejs npm ca-certificates)
# python3-serial, python3-serial-asyncio: recommended by python3-pymodbus,
# whose server (tests/server/mb_server.py) imports both. fontconfig:
# recommended by fonts-wqy-microhei, the Chinese font Chromium draws with.
# openmpi-bin, libopenmpi-dev: plan --sweep under mpirun (tests/cli/sweep.sh);
# the build finds MPI when libopenmpi-dev is there and works without it.
test=(libcmocka-dev sqlite3 python3 python3-ephem python3-scipy python3-numpy python3-pandas glpk-utils
      chromium fonts-wqy-microhei fontconfig
      mosquitto mosquitto-clients mbpoll python3-pymodbus python3-serial python3-serial-asyncio wrk xxd curl
      openmpi-bin libopenmpi-dev)
fuzz=(clang libclang-rt-14-dev)
bench=(python3-scipy python3-numpy python3-pandas wrk mosquitto chromium openmpi-bin libopenmpi-dev time)

want=()
list=0
[ "${1-}" = --list ] && { list=1; shift; }
[ $# -eq 0 ] && set -- build
for group in "$@"; do
    case "$group" in
        build) want+=("${build[@]}") ;;
        test) want+=("${build[@]}" "${test[@]}") ;;
        fuzz) want+=("${build[@]}" "${fuzz[@]}") ;;
        bench) want+=("${build[@]}" "${bench[@]}") ;;
        all) want+=("${build[@]}" "${test[@]}" "${fuzz[@]}" "${bench[@]}") ;;
        -h|--help)
            sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
            exit 0 ;;
        *) echo "deps.sh: unknown group '$group' (use build, test, fuzz, bench or all)" >&2; exit 2 ;;
    esac
done

if [ $list = 1 ]; then
    printf '%s\n' "${want[@]}" | awk '!seen[$0]++'
    exit 0
fi

missing=()
for p in "${want[@]}"; do
    # Some nodejs builds (NodeSource) ship npm inside; Debian's npm would
    # not install beside them.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
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
