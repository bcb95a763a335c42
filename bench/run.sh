#!/usr/bin/env bash
# run.sh BUILD_DIR - run every benchmark; each prints JSON lines
# ({"bench": ..., "value": ..., "unit": ...}) on stdout.
set -euo pipefail
build=$1
for bin in "$build"/bench_*; do
    [ -x "$bin" ] || continue
    "$bin"
done
# Benchmarks that are scripts (bench/bench_*.sh) take the build dir.
for sh in "$(dirname "$0")"/bench_*.sh; do
    [ -x "$sh" ] || continue
    "$sh" "$build"
done
