#!/usr/bin/env bash
# run.sh ZEROPARK SOURCE_DIR [OUT_DIR] - write the campus report in English
# and Chinese with `zeropark report`, open both in Debian's headless Chromium
# (playwright-core from tests/browser/package-lock.json, no downloaded
# browser) at 1280 px and 768 px, check for console errors and drawn
# charts, and keep the pages and screenshots in OUT_DIR (default: the
# current directory's browser-report/, i.e. under the build dir in CTest).
# Fails naming the Debian package when chromium, node or npm is missing
# (tests/need.sh).
set -u
zp=$1
src=$2
out=${3:-$PWD/browser-report}
here=$(cd "$(dirname "$0")" && pwd)

# ZP_CHROMIUM: another Chromium build to drive instead of Debian's.
CHROMIUM=${ZP_CHROMIUM:-/usr/bin/chromium}
. "$src/tests/need.sh"
need node npm $([ -n "${ZP_CHROMIUM-}" ] || echo chromium)
if [ ! -x "$CHROMIUM" ]; then
    echo "FAIL: ZP_CHROMIUM=$CHROMIUM is not an executable" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# playwright-core, pinned by the lock file; installed into tests/browser
# once, and again when the lock file changes.
if ! msg=$(node "$src/scripts/node-engines.js" "$here/package-lock.json"); then
    printf 'FAIL: %s\n' "$msg" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
lock_hash=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp=$here/node_modules/.zp-lock-sha256
if [ ! -f "$here/node_modules/playwright-core/package.json" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error); then
        echo "FAIL: npm ci in $here failed" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "$lock_hash" >"$stamp"
fi

mkdir -p "$out"
model=$src/examples/shaoguan-campus/model.json
# English with the default rule dispatch, Chinese with the optimal one.
for lang in en zh; do
    dispatch=rule
    [ "$lang" = zh ] && dispatch=optimal
    if ! "$zp" report "$model" --html "$out/campus-$lang.html" --lang "$lang" --dispatch "$dispatch" \
        >"$out/report-$lang.log" 2>&1; then
        echo "FAIL: zeropark report --lang $lang:" >&2
        sed 's/^/  /' "$out/report-$lang.log" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done

ZP_CHROMIUM=$CHROMIUM exec node "$here/report_test.js" "$out" "$out/campus-en.html" "$out/campus-zh.html"
