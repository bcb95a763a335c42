#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS - run every fuzz target for a bounded time.
# New inputs go to a scratch directory; the committed corpus is only read.
# Crashes are written to fuzz/ as crash-* files and fail the run.
set -euo pipefail
build=$1
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); name=${name#fuzz_}
    scratch=$(mktemp -d)
    args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$here/" -print_final_stats=1)
    [ -f "$here/$name.dict" ] && args+=(-dict="$here/$name.dict")
    echo "fuzz: $name for ${secs}s" >&2
    if ! "$bin" "${args[@]}" "$scratch" "$here/corpus/$name" 2> "$scratch.log"; then
        echo "fuzz: $name FAILED; log:" >&2
        tail -40 "$scratch.log" >&2
        status=1
    else
        grep -E 'stat::number_of_executed_units|cov:' "$scratch.log" | tail -2 >&2 || true
    fi
    rm -rf "$scratch" "$scratch.log"
done
exit $status
