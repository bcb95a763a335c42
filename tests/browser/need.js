// need.js - the browser tests' prerequisites, checked before anything runs
// and reported as tests/need.sh reports the others: what is missing and how
// to install it, then "0 passed, 1 failed" (exit status 1).
'use strict';

const fs = require('fs');

function fail(msg) {
    console.error(`FAIL: ${msg}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
}

// playwright-core as the calling test resolves it (pass its `require`):
// tests/browser's lock file for the report test, web/'s for the dashboard's.
exports.playwright = function (req, howToInstall) {
    try {
        return req('playwright-core');
    } catch (e) {
        return fail(`cannot load playwright-core (${e.code || e.message}); install it with: ${howToInstall}`);
    }
};

// The Chromium to drive: ZP_CHROMIUM, or Debian's.
exports.chromium = function () {
    const exe = process.env.ZP_CHROMIUM || '/usr/bin/chromium';
    try {
        fs.accessSync(exe, fs.constants.X_OK);
    } catch (e) {
        fail(process.env.ZP_CHROMIUM ? `ZP_CHROMIUM=${exe} is not an executable`
            : `${exe} not found; install it with: apt-get install chromium (or scripts/deps.sh test)`);
    }
    return exe;
};
