#!/usr/bin/env bash
# bench_web.sh BUILD_DIR - the web dashboard's figures as JSON lines:
#   web_bundle_gzip        JS+CSS of BUILD_DIR/web/dist, gzip -9, KB (target <= 400)
#   web_bundle_raw         the same uncompressed, KB
#   web_first_load_overview  navigation start to the overview complete (info,
#                          status, charts drawn), median of 5 loads, ms (target <= 1000)
#   web_first_load_overview_main_thread_cpu  the renderer main thread's CPU time
#                          over the same load, ms (less sensitive to a busy machine)
#   web_year_hourly_*      a year of hourly values of one meter on the energy
#                          page: values, fetch ms, render ms, longest main-thread task ms
# The load and render figures come from headless Chromium against
# `zeropark serve` on loopback (tests/browser/dashboard.sh --bench); they are
# skipped with a note on stderr when chromium or node is missing.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/web.sh" "$build" >&2
dist=$build/web/dist

gz=0
raw=0
for f in "$dist"/assets/*.js "$dist"/assets/*.css; do
    [ -f "$f" ] || continue
    gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
    raw=$((raw + $(wc -c <"$f")))
done
awk -v g="$gz" -v r="$raw" 'BEGIN {
    printf "{\"bench\": \"web_bundle_gzip\", \"value\": %.1f, \"unit\": \"KB\"}\n", g / 1024
    printf "{\"bench\": \"web_bundle_raw\", \"value\": %.1f, \"unit\": \"KB\"}\n", r / 1024
}'

if [ ! -x "${ZP_CHROMIUM:-/usr/bin/chromium}" ] || ! command -v node >/dev/null 2>&1; then
    echo "bench_web.sh: chromium or node missing; load and render times skipped" >&2
    exit 0
fi
out=$build/dashboard-bench
if ! "$here/tests/browser/dashboard.sh" "$build/zeropark" "$here" "$build" "$out" --bench >"$build/web/bench.out"; then
    echo "bench_web.sh: the browser measurement failed:" >&2
    cat "$build/web/bench.out" >&2
    exit 1
fi
grep '^{"bench"' "$build/web/bench.out" || true
