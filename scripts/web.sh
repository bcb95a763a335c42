#!/usr/bin/env bash
# web.sh [BUILD_DIR] - build the web dashboard (web/) with Vite into
# BUILD_DIR/web/dist (default BUILD_DIR: build), where `zeropark serve`
# finds it when run from the tree and `cmake --install` copies it to
# share/zeropark/web.
#
# npm installs the versions locked in web/package-lock.json into
# web/node_modules (npm's cache in web/.npm-cache): nothing is installed
# outside the tree. Both steps are skipped when up to date: the install when
# package-lock.json has not changed
# since the last install, the build when no file under web/ (sources, lock
# file, Vite config) has changed since the last build. Concurrent runs
# (make build and make test) wait for each other on a lock.
# Exit status: 0 built or up to date, 1 a step failed, 2 bad usage.
set -euo pipefail

case "${1-}" in
    -h|--help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0 ;;
esac

here=$(cd "$(dirname "$0")/.." && pwd)
web=$here/web
build=${1:-$here/build}
mkdir -p "$build"
build=$(cd "$build" && pwd)
out=$build/web/dist

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "web.sh: $tool not found; install it with: scripts/deps.sh build" >&2
        exit 1
    fi
done

# The Node.js versions that the locked toolchain accepts, from the packages'
# own engines ranges (Vite 6: ^18.0.0 || ^20.0.0 || >=22.0.0, so Debian 12's
# nodejs 18 as well as 20, 22 and later).
if ! msg=$(node "$here/scripts/node-engines.js" "$web/package-lock.json"); then
    printf 'web.sh: %s\n' "$msg" >&2
    echo "web.sh: use a Node.js that these accept (Debian 12's nodejs 18 is one: scripts/deps.sh build)" >&2
    exit 1
fi

mkdir -p "$build/web"
exec 9>"$build/web/.lock"
flock 9

# Everything the bundle depends on, hashed in a stable order.
inputs_hash() {
    (cd "$web" && find index.html vite.config.js package.json package-lock.json src -type f -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

lock_hash=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
installed=$web/node_modules/.zp-lock-sha256
if [ ! -f "$installed" ] || [ "$(cat "$installed")" != "$lock_hash" ]; then
    echo "web.sh: npm install (locked versions) in web/" >&2
    # Not `npm ci`: it rejects a lock file that lists only the platforms
    # whose optional native packages (rollup's) the registry served, while
    # `npm install --no-save` installs exactly the locked versions.
    if ! (cd "$web" && npm install --no-save --no-audit --no-fund --loglevel=error --prefer-offline \
        --cache "$web/.npm-cache") >&2; then
        echo "web.sh: npm install failed: it fetches the locked packages from $(npm config get registry)" \
             "(behind a proxy that re-signs HTTPS, add the proxy's CA to /usr/local/share/ca-certificates" \
             "and run update-ca-certificates)" >&2
        exit 1
    fi
    echo "$lock_hash" >"$installed"
fi

want=$(inputs_hash)
stamp=$build/web/.inputs-sha256
if [ -f "$out/index.html" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

echo "web.sh: vite build -> $out" >&2
rm -f "$stamp"
# Build into a fresh directory and swap it in, so a failed build never
# leaves a half-written bundle where the server looks.
tmp=$build/web/dist.new
rm -rf "$tmp"
(cd "$web" && ZP_WEB_OUT="$tmp" ./node_modules/.bin/vite build --logLevel warn) >&2
if [ ! -f "$tmp/index.html" ]; then
    echo "web.sh: vite build wrote no index.html into $tmp" >&2
    exit 1
fi
rm -rf "$out"
mv "$tmp" "$out"
echo "$want" >"$stamp"
