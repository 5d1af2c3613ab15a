'use strict';
// The headless Chromium every browser test drives: Debian's /usr/bin/chromium (or
// $JUNCTION_CHROMIUM) through npm playwright-core, which never downloads a browser, with the
// flags that keep it quiet and offline.
const path = require('node:path');

let playwrightPath;
try {
  playwrightPath = require.resolve('playwright-core');
} catch (e) {
  playwrightPath = require.resolve(path.join(__dirname, '..', '..', 'node_modules', 'playwright-core'));
}
const { chromium } = require(playwrightPath);

const CHROMIUM = process.env.JUNCTION_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

module.exports = { chromium, CHROMIUM, CHROMIUM_ARGS };
