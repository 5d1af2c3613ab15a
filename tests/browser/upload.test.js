'use strict';
// Browser end-to-end test of the "upload" path service: resumable.js (npm resumablejs, the
// library Crossbar's File Upload Service is made for) in Debian's headless Chromium uploads a
// file of several chunks, testChunks on (its GET before each chunk), while AutobahnJS (npm
// autobahn-browser) in the same page receives the progress events Junction publishes to the
// session the upload names. The file on disk must be the bytes the page made.
//
// No browser is downloaded: playwright-core only launches /usr/bin/chromium. Both libraries are
// served from this repository's node_modules (copied into a temporary web root).
//
// Run by hand:  JUNCTION_BIN=build/junction node --test tests/browser/upload.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startRouter, within } = require('../e2e/js/harness.js');
const { launchBrowser } = require('./chromium.js');

const WAIT_MS = 15000;
const MODULES = path.join(__dirname, '..', '..', 'node_modules');

const INDEX = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>upload</title>
<script src="/autobahn.min.js"></script><script src="/resumable.js"></script></head>
<body><p id="state">loading</p><script>
window.events = [];
window.result = null;
const connection = new autobahn.Connection({
  url: 'ws://' + location.host + '/ws', realm: 'realm1', max_retries: 0,
});
connection.onopen = async (session) => {
  await session.subscribe('com.example.upload.on_progress', (args) => window.events.push(args[0]));
  // 5000 bytes in chunks of 1024 (forceChunkSize: exactly 5 chunks, the last 904 bytes).
  const bytes = new Uint8Array(5000);
  for (let i = 0; i < bytes.length; ++i) bytes[i] = (i * 7 + 3) % 251;
  const r = new Resumable({
    target: '/upload', chunkSize: 1024, forceChunkSize: true, simultaneousUploads: 3,
    testChunks: true, maxChunkRetries: 0,
    query: { on_progress: 'com.example.upload.on_progress', session: session.id,
             finish_extra: JSON.stringify({ from: 'browser' }) },
  });
  r.on('fileSuccess', () => { window.result = 'success'; });
  r.on('fileError', (file, message) => { window.result = 'error: ' + message; });
  r.on('filesAdded', () => r.upload());
  r.addFile(new File([bytes], 'browser.bin', { type: 'application/octet-stream' }));
  document.getElementById('state').textContent = 'uploading';
};
connection.open();
</script></body></html>
`;

let root = null;
let router = null;
let browser = null;

test.before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-upload-browser-'));
  const web = path.join(root, 'web');
  fs.mkdirSync(web);
  fs.mkdirSync(path.join(root, 'uploaded'));
  fs.writeFileSync(path.join(web, 'index.html'), INDEX);
  fs.copyFileSync(path.join(MODULES, 'autobahn-browser', 'autobahn.min.js'), path.join(web, 'autobahn.min.js'));
  fs.copyFileSync(path.join(MODULES, 'resumablejs', 'resumable.js'), path.join(web, 'resumable.js'));
  router = await startRouter({
    version: 2,
    workers: [{
      type: 'router',
      realms: [{
        name: 'realm1',
        roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix',
          allow: { call: true, register: true, publish: true, subscribe: true } }] }],
      }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          '/': { type: 'static', directory: web },
          ws: { type: 'websocket' },
          upload: {
            type: 'upload', realm: 'realm1', role: 'anonymous',
            directory: path.join(root, 'uploaded'), temp_directory: path.join(root, 'temp'),
            form_fields: {
              file_name: 'resumableFilename', mime_type: 'resumableType',
              total_size: 'resumableTotalSize', chunk_number: 'resumableChunkNumber',
              chunk_size: 'resumableChunkSize', total_chunks: 'resumableTotalChunks',
              content: 'file', on_progress: 'on_progress', session: 'session',
              chunk_extra: 'chunk_extra', finish_extra: 'finish_extra',
            },
            options: { max_file_size: 100000, file_types: ['.bin'] },
          },
        },
      }],
    }],
  });
  browser = await launchBrowser();
});

test.after(async () => {
  if (browser) await browser.close();
  if (router) await router.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

test('resumable.js uploads a file in chunks; the page sees the progress events', async () => {
  const page = await within(browser.context.newPage(), WAIT_MS, 'new tab');
  page.setDefaultTimeout(WAIT_MS);
  const log = [];
  page.on('console', (m) => log.push(`[console] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  const methods = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/upload') methods.push(r.method()); });
  try {
    await page.goto(`http://127.0.0.1:${router.port}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.result !== null);
    assert.equal(await page.evaluate(() => window.result), 'success');
    // The finished event may trail the last chunk's answer: wait for it.
    await page.waitForFunction(() => window.events.some((e) => e.status === 'finished'));
    const events = await page.evaluate(() => window.events);
    assert.equal(events[0].status, 'started');
    assert.equal(events.filter((e) => e.status === 'progress').length, 5);
    const finished = events[events.length - 1];
    assert.equal(finished.status, 'finished');
    assert.equal(finished.name, 'browser.bin');
    assert.equal(finished.total, 5000);
    assert.equal(finished.remaining, 0);
    assert.equal(finished.progress, 1);
    assert.deepEqual(finished.finish_extra, { from: 'browser' });
    // testChunks: a GET before each POST.
    assert.equal(methods.filter((m) => m === 'GET').length, 5);
    assert.equal(methods.filter((m) => m === 'POST').length, 5);

    const expected = Buffer.alloc(5000);
    for (let i = 0; i < expected.length; ++i) expected[i] = (i * 7 + 3) % 251;
    assert.deepEqual(fs.readFileSync(path.join(root, 'uploaded', 'browser.bin')), expected);
    assert.deepEqual(fs.readdirSync(path.join(root, 'temp')), []);  // temporary files gone
  } catch (e) {
    console.error(log.join('\n'));
    console.error(router.logTail());
    throw e;
  } finally {
    await page.close().catch(() => {});
  }
});
