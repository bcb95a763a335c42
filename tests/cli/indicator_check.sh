#!/usr/bin/env bash
# indicator_check.sh ZEROPARK SOURCE_DIR - the zero-carbon park indicator
# checked against an independent calculation (tests/cli/indicator_ref.py,
# written from docs/methodology.md and the tables under data/factors, not
# from the engine) on parks designed for it: gas + raw coal + diesel +
# grid with certificates; a net exporter with PV and certificates beyond
# its import; a leap year at 15 minutes with a monthly green-power
# contract, whole and in part; the 1 Mtce tier in 2023 and 2024; a park
# without energy; PV with a battery, where account on simulate's flows
# must give simulate's green shares; the report (en, zh) showing what the
# indicator divides; targets at the boundary; bad targets.
set -euo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$src/tests/cli/indicator_check.py" "$zp" "$src" "$tmp"
