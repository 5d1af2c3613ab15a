'use strict';
// Browser end-to-end test of the static web side: Debian's Chromium (headless), driven by npm
// playwright-core, against a live junction serving a small single-page application:
//
//  1. "/" loads index.html, its script (served gzip-compressed to the browser) and its
//     stylesheet, and the script fetches a "json" path service and renders what it got;
//  2. a deep link into the app ("/app/settings/profile") is answered by default_file, and the
//     app reads its route from location.pathname;
//  3. a reload revalidates with ETag/Last-Modified (the browser gets 304s and still renders);
//  4. a traversal attempt from the page (fetch of "/app/%2e%2e/secret.txt") never reaches the
//     file outside the web root.
//
// No browser is downloaded: playwright-core only launches /usr/bin/chromium. Chromium gets a fresh
// temporary --user-data-dir, removed afterwards; it and junction are killed by PID even when a
// test fails. Every wait has a timeout.
//
// Run by hand:  JUNCTION_BIN=build/junction node --test tests/browser/static_spa.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startRouter, within } = require('../e2e/js/harness.js');

const { launchBrowser } = require('./chromium.js');
const WAIT_MS = 10000;

const INDEX = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Junction SPA</title>
<link rel="stylesheet" href="/app/style.css"></head>
<body><h1 id="title">loading</h1><p id="route"></p><p id="config"></p>
<script src="/app/app.js"></script></body></html>
`;
// Long enough to be compressed.
const APP_JS = `'use strict';
${'// padding so that the file is worth compressing\n'.repeat(40)}
document.getElementById('route').textContent = 'route:' + location.pathname;
fetch('/api/config').then((r) => r.json()).then((config) => {
  document.getElementById('config').textContent = 'greeting:' + config.greeting;
  document.getElementById('title').textContent = 'ready';
});
`;
const STYLE = 'h1 { color: rgb(1, 2, 3); }\n';

let root = null;
let router = null;
let context = null;
let browser = null; // launchBrowser(): the headless Chromium and its profile

test.before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-spa-'));
  const app = path.join(root, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'index.html'), INDEX);
  fs.writeFileSync(path.join(app, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(app, 'style.css'), STYLE);
  fs.writeFileSync(path.join(root, 'secret.txt'), 'TOP SECRET');
  router = await startRouter({
    version: 2,
    workers: [{
      type: 'router',
      realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [] }] }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        options: { access_log: true },
        paths: {
          '/': { type: 'redirect', url: '/app/' },
          app: { type: 'static', directory: app, options: { default_file: 'index.html' } },
          api: { type: 'path', paths: { config: { type: 'json', value: { greeting: 'hallo wörld' } } } },
          ws: { type: 'websocket' },
        },
      }],
    }],
  });
  browser = await launchBrowser();
  context = browser.context;
});

test.after(async () => {
  if (browser) await browser.close();
  if (router) await router.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

async function withPage(fn) {
  const page = await within(context.newPage(), WAIT_MS, 'new tab');
  page.setDefaultTimeout(WAIT_MS);
  const log = [];
  page.on('console', (m) => log.push(`[console] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  try {
    await fn(page);
  } catch (e) {
    console.error(log.join('\n'));
    console.error(router.logTail());
    throw e;
  } finally {
    await page.close().catch(() => {});
  }
}

const base = () => `http://127.0.0.1:${router.port}`;

test('the app loads, its script arrives gzip-compressed and fetches a json service', async () => {
  await withPage(async (page) => {
    const encodings = {};
    page.on('response', (r) => { encodings[new URL(r.url()).pathname] = r.headers()['content-encoding']; });
    await page.goto(`${base()}/`, { waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, '/app/');  // the redirect at "/"
    await page.waitForFunction(() => document.getElementById('title').textContent === 'ready');
    assert.equal(await page.textContent('#config'), 'greeting:hallo wörld');
    assert.equal(await page.textContent('#route'), 'route:/app/');
    assert.equal(encodings['/app/app.js'], 'gzip');
    const color = await page.evaluate(() => getComputedStyle(document.getElementById('title')).color);
    assert.equal(color, 'rgb(1, 2, 3)');
  });
});

test('a deep link is answered by default_file and the app routes on it', async () => {
  await withPage(async (page) => {
    const response = await page.goto(`${base()}/app/settings/profile`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    await page.waitForFunction(() => document.getElementById('title').textContent === 'ready');
    assert.equal(await page.textContent('#route'), 'route:/app/settings/profile');
  });
});

test('a reload revalidates (304) and still renders; traversal from the page finds nothing', async () => {
  await withPage(async (page) => {
    await page.goto(`${base()}/app/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('title').textContent === 'ready');
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('title').textContent === 'ready');
    // The browser revalidated the page with its ETag/Last-Modified: the server answered 304
    // (what the page sees is the cached 200, so the access log is where this shows).
    const deadline = Date.now() + WAIT_MS;
    while (!router.logTail().includes('"GET /app/ HTTP/1.1" 304') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(router.logTail().includes('"GET /app/ HTTP/1.1" 304'), 'no 304 for the reload');
    const traversal = await page.evaluate(async () => {
      const r = await fetch('/app/%2e%2e/secret.txt');
      return [r.status, await r.text()];
    });
    assert.ok(!traversal[1].includes('TOP SECRET'), 'the secret was served');
  });
});
