#!/usr/bin/env bash
# need.sh - the tests' one check of their prerequisites: the commands and
# the Python modules (of Debian's /usr/bin/python3) they run, each with the
# Debian package that provides it.
#
#   tests/need.sh ITEM...      exit 0 when every ITEM is there; otherwise print
#                              what is missing and "install it with: apt-get
#                              install PKG... (or scripts/deps.sh test)", exit 1
#   . tests/need.sh; need ITEM...
#                              the same inside a test script, which then stops
#                              with "FAIL: ..." and "0 passed, 1 failed" (exit 1)
#   tests/need.sh --all        check every ITEM this file knows
#   tests/need.sh --deps       check that scripts/deps.sh test installs the
#                              package of every ITEM this file knows
#
# ITEM: a command (mbpoll, glpsol, sqlite3, ...) or py:MODULE (py:scipy.optimize).
# A module that fails to import because a module it imports is missing (as
# pymodbus.server without serial) is reported with the package of the latter.

# ITEM -> Debian package. Every package here is in scripts/deps.sh's test group
# (the `prereqs` test checks it).
zp_need_pkg() {
    case $1 in
        python3) echo python3 ;;
        node) echo nodejs ;;
        npm) echo npm ;;
        chromium) echo chromium ;;
        sqlite3) echo sqlite3 ;;
        glpsol) echo glpk-utils ;;
        mbpoll) echo mbpoll ;;
        mosquitto) echo mosquitto ;;
        mosquitto_pub) echo mosquitto-clients ;;
        xxd) echo xxd ;;
        curl) echo curl ;;
        mpirun) echo openmpi-bin ;;
        py:scipy | py:scipy.*) echo python3-scipy ;;
        py:numpy | py:numpy.*) echo python3-numpy ;;
        py:pandas) echo python3-pandas ;;
        py:ephem) echo python3-ephem ;;
        py:pymodbus | py:pymodbus.*) echo python3-pymodbus ;;
        py:serial | py:serial.*) echo python3-serial ;;
        py:serial_asyncio) echo python3-serial-asyncio ;;
        *) return 1 ;;
    esac
}
zp_need_known="python3 node npm chromium sqlite3 glpsol mbpoll mosquitto mosquitto_pub xxd curl mpirun
    py:numpy py:scipy.optimize py:pandas py:ephem py:serial py:serial_asyncio py:pymodbus.server"

# zp_need_check ITEM...: prints the message and returns 1 when any is missing.
zp_need_check() {
    local py=${ZP_PYTHON:-/usr/bin/python3} item pkg missing=() what=() mods=() line
    for item in "$@"; do
        zp_need_pkg "$item" >/dev/null || { echo "need.sh: unknown prerequisite '$item'" >&2; return 2; }
        case $item in
            py:*) mods+=("${item#py:}") ;;
            *) command -v "$item" >/dev/null 2>&1 || { what+=("command $item"); missing+=("$(zp_need_pkg "$item")"); } ;;
        esac
    done
    if [ ${#mods[@]} -gt 0 ]; then
        if [ ! -x "$py" ]; then
            what+=("$py"); missing+=(python3)
        else
            # One line per module that does not import: "MODULE NAME", NAME the
            # module actually missing (MODULE itself or one it imports).
            local seen=" "
            while read -r line; do
                local mod=${line%% *} name=${line#* }
                case $seen in *" $name "*) continue ;; esac
                seen="$seen$name "
                if pkg=$(zp_need_pkg "py:$name"); then
                    [ "$name" = "$mod" ] && what+=("python module $mod") \
                        || what+=("python module $name (imported by $mod)")
                else
                    pkg=$(zp_need_pkg "py:$mod")
                    what+=("python module $mod (does not import: $name)")
                fi
                missing+=("$pkg")
            done < <("$py" - "${mods[@]}" 2>/dev/null <<'EOF'
import importlib, sys
for m in sys.argv[1:]:
    try:
        importlib.import_module(m)
    except ImportError as e:
        print(m, getattr(e, "name", None) or m)
    except Exception as e:
        print(m, type(e).__name__)
EOF
            )
        fi
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    local uniq=() p
    for p in "${missing[@]}"; do
        case " ${uniq[*]-} " in *" $p "*) ;; *) uniq+=("$p") ;; esac
    done
    local list
    list=$(printf '%s, ' "${what[@]}")
    echo "missing: ${list%, }; install it with: apt-get install ${uniq[*]} (or scripts/deps.sh test)"
    return 1
}

# need ITEM...: in a sourced test script, stop the test when any is missing.
need() {
    local msg rc=0
    msg=$(zp_need_check "$@") || rc=$?
    [ $rc -eq 0 ] && return 0
    echo "FAIL: ${msg:-need.sh failed}" >&2
    echo "0 passed, 1 failed"
    exit 1
}

# Run as a command (not sourced).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    case "${1-}" in
        "" | -h | --help)
            sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
            [ $# -gt 0 ]; exit $? ;;
        --*) ;;
        *) zp_need_check "$@"; exit $? ;;
    esac
    rc=0
    for mode in "$@"; do
        case $mode in
            --all)
                # shellcheck disable=SC2086
                zp_need_check $zp_need_known || rc=1 ;;
            --deps)
                here=$(cd "$(dirname "$0")/.." && pwd)
                have=" $("$here/scripts/deps.sh" --list test | tr '\n' ' ') "
                for item in $zp_need_known; do
                    pkg=$(zp_need_pkg "$item")
                    case $have in
                        *" $pkg "*) ;;
                        *) echo "scripts/deps.sh test does not install $pkg (the package of $item)"; rc=1 ;;
                    esac
                done ;;
            *) echo "need.sh: unknown option '$mode' (use --all or --deps)" >&2; exit 2 ;;
        esac
    done
    exit $rc
fi
