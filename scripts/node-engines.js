// node-engines.js [--node VERSION] LOCKFILE... - does this Node.js (or
// VERSION) satisfy the `engines.node` range of every package that the npm
// lock files install? The ranges are the packages' own (Vite, esbuild,
// Rollup, playwright-core, ...), as the lock file records them, so the check
// follows the locked toolchain when it changes. Optional packages (the other
// platforms' native builds) are not counted.
//
// Exit status 0 when every range is satisfied; 1 with one line per package
// that refuses this Node.js and the Node.js versions the toolchain accepts;
// 2 on bad usage or an unreadable lock file.
// Used by scripts/web.sh and tests/browser/run.sh before npm installs anything.
'use strict';

const fs = require('fs');

function parse(s) {
    // "18", "18.19", "18.19.0", "v18.19.0", with x/X/* for a missing part
    const m = String(s).trim().replace(/^[v=]/, '').match(/^(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$/);
    if (!m) return null;
    const parts = [m[1], m[2], m[3]];
    const n = parts.findIndex((p) => p === undefined || /^[xX*]$/.test(p));
    const given = n < 0 ? 3 : n;
    const v = [0, 0, 0];
    for (let i = 0; i < given; i++) v[i] = Number(parts[i]);
    return { v, given };
}

function cmp(a, b) {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
}

// The upper bound (exclusive) of the versions that match the first `given`
// parts of v: 18 -> 19.0.0, 18.19 -> 18.20.0.
function bump(v, given) {
    if (given === 0) return [Infinity, 0, 0];
    const u = v.slice(0, given);
    u[given - 1]++;
    while (u.length < 3) u.push(0);
    return u;
}

// One comparator set ("^18.0.0", ">=14 <16", "18.x"): true, false, or null
// when the syntax is not understood.
function satisfiesSet(ver, set) {
    const toks = set.trim().split(/\s+/).filter(Boolean);
    if (toks.length === 3 && toks[1] === '-') {
        const a = parse(toks[0]), b = parse(toks[2]);
        if (!a || !b) return null;
        const hi = b.given === 3 ? cmp(ver, b.v) <= 0 : cmp(ver, bump(b.v, b.given)) < 0;
        return cmp(ver, a.v) >= 0 && hi;
    }
    for (const t of toks) {
        const m = t.match(/^(\^|~|>=|<=|>|<|=)?(.*)$/);
        const p = parse(m[2]);
        if (!p) return null;
        const op = m[1] || '';
        let ok;
        if (op === '^') {
            // ^18.1.2: >=18.1.2 <19; ^0.2.3: >=0.2.3 <0.3.0
            const i = p.v[0] > 0 || p.given === 1 ? 1 : p.v[1] > 0 || p.given === 2 ? 2 : 3;
            ok = cmp(ver, p.v) >= 0 && cmp(ver, bump(p.v, i)) < 0;
        } else if (op === '~') {
            ok = cmp(ver, p.v) >= 0 && cmp(ver, bump(p.v, Math.min(p.given, 2) || 1)) < 0;
        } else if (op === '>=') {
            ok = cmp(ver, p.v) >= 0;
        } else if (op === '>') {
            ok = p.given === 3 ? cmp(ver, p.v) > 0 : cmp(ver, bump(p.v, p.given)) >= 0;
        } else if (op === '<=') {
            ok = p.given === 3 ? cmp(ver, p.v) <= 0 : cmp(ver, bump(p.v, p.given)) < 0;
        } else if (op === '<') {
            ok = cmp(ver, p.v) < 0;
        } else {
            ok = cmp(ver, p.v) >= 0 && (p.given === 3 ? cmp(ver, p.v) === 0 : cmp(ver, bump(p.v, p.given)) < 0);
        }
        if (!ok) return false;
    }
    return true;
}

function satisfies(ver, range) {
    let unknown = false;
    for (const set of String(range).split('||')) {
        const r = set.trim() === '' ? true : satisfiesSet(ver, set);
        if (r === true) return true;
        if (r === null) unknown = true;
    }
    return unknown ? null : false;
}

const args = process.argv.slice(2);
let node = process.versions.node;
if (args[0] === '--node') {
    node = args[1];
    args.splice(0, 2);
}
const ver = parse(node);
if (!ver || ver.given < 3 || args.length === 0) {
    console.error('usage: node-engines.js [--node X.Y.Z] LOCKFILE...');
    process.exit(2);
}

const refused = [];
for (const file of args) {
    let lock;
    try {
        lock = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
        console.error(`node-engines.js: ${file}: ${e.message}`);
        process.exit(2);
    }
    for (const [where, pkg] of Object.entries(lock.packages || {})) {
        if (!where || pkg.optional || !pkg.engines || !pkg.engines.node) continue;
        const name = where.replace(/^.*node_modules\//, '');
        if (satisfies(ver.v, pkg.engines.node) === false)
            refused.push(`${name} ${pkg.version} needs Node.js ${pkg.engines.node}`);
    }
}
if (refused.length) {
    console.log(`node ${node} is not supported by the locked packages (${args.join(', ')}):`);
    for (const r of refused) console.log(`  ${r}`);
    process.exit(1);
}
