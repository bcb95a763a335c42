#!/usr/bin/env bash
# run.sh ZEROPARK SOURCE_DIR [OUT_DIR] - write the campus report in English
# and Chinese with `zeropark report`, open both in Debian's headless Chromium
# (playwright-core from tests/browser/package-lock.json, no downloaded
# browser) at 1280 px and 768 px, check for console errors and drawn
# charts, and keep the pages and screenshots in OUT_DIR (default: the
# current directory's browser-report/, i.e. under the build dir in CTest).
# Skips (exit 0, "SKIP: ...") only when chromium or node is missing.
set -u
zp=$1
src=$2
out=${3:-$PWD/browser-report}
here=$(cd "$(dirname "$0")" && pwd)

CHROMIUM=${ZP_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM not found (apt-get install chromium)"
    exit 0
fi
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node not found (apt-get install nodejs npm)"
    exit 0
fi

# playwright-core, pinned by the lock file; installed once into tests/browser.
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
    if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error); then
        echo "FAIL: npm ci in $here failed" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
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
