'use strict';
// `junction init --template browser` and `--template cpp` as a user runs them: the node directory is created in a temp
// directory (AutobahnJS copied into web/ from npm's autobahn-browser package, byte for byte),
// started with `junction start`, and its page opened in Debian's Chromium (headless, driven by
// npm playwright-core): the page's AutobahnJS session calls the template's Python component
// (com.example.add2, run by Junction's launcher in a container worker) and receives its counter
// events (com.example.oncounter); with cpp it also calls the C++ component (com.example.mul2,
// built by the node's first start against this build's client library, run as a guest worker)
// and that component logs the counter events it receives. Every request the page makes goes to
// the node itself.
//
// Only the port is changed in the generated config (0: tests run side by side). Chromium and
// junction are killed by PID even when a test fails; every wait has a timeout.
//
// Run by hand:  JUNCTION_BIN=build/junction node --test tests/browser/init_browser_template.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.join(__dirname, '..', '..');
const JUNCTION = process.env.JUNCTION_BIN;
const { within } = require('../e2e/js/harness.js');
const { launchBrowser } = require('./chromium.js');
const WAIT_MS = 20000; // the component starts (Python, Twisted) and registers

let junction = null;
let browser = null; // launchBrowser(): the headless Chromium and its profile
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-init-browser-'));

function killAll() {
  if (junction && junction.exitCode === null) {
    try { junction.kill('SIGKILL'); } catch (e) { /* gone */ }
  }
}
process.on('exit', killAll);

// Starts `junction start --cbdir DIR` and resolves with the port it listens on.
function startNode(cbdir, log) {
  return within(new Promise((resolve, reject) => {
    junction = childProcess.spawn(JUNCTION, ['start', '--cbdir', cbdir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    junction.stderr.on('data', (chunk) => {
      buffer += chunk.toString();
      log.push(chunk.toString());
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(buffer);
      if (m) resolve(Number(m[1]));
    });
    junction.on('exit', (code) => reject(new Error(`junction exited (${code}):\n${buffer}`)));
  }), 15000, 'junction listening');
}

// Creates template `name` in a temp directory, starts it, opens its page and checks it.
async function exerciseTemplate(t, name, { waitMs, cpp }) {
  assert.ok(JUNCTION, 'JUNCTION_BIN is not set');
  const app = path.join(tmp, name);
  const out = childProcess.execFileSync(JUNCTION, ['init', '--appdir', app, '--template', name], { encoding: 'utf8' });
  assert.match(out, /web\/autobahn\.min\.js/);
  assert.deepEqual(fs.readFileSync(path.join(app, 'web', 'autobahn.min.js')),
    fs.readFileSync(path.join(REPO, 'node_modules', 'autobahn-browser', 'autobahn.min.js')));
  const configFile = path.join(app, '.crossbar', 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const endpoint = config.workers[0].transports[0].endpoint;
  assert.equal(endpoint.port, 8080);
  endpoint.port = 0;
  endpoint.interface = '127.0.0.1';
  fs.writeFileSync(configFile, JSON.stringify(config, null, 4));

  const log = [];
  const port = await startNode(path.join(app, '.crossbar'), log);
  t.after(killAll);
  try {
    browser = await launchBrowser();
    const page = browser.context.pages()[0] || await browser.context.newPage();
    const origin = `127.0.0.1:${port}`;
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (ws) => requests.push(ws.url()));
    const response = await page.goto(`http://${origin}/`, { timeout: 15000 });
    assert.equal(response.status(), 200);
    await page.waitForFunction(() => document.getElementById('add2').textContent === '5', null, { timeout: WAIT_MS });
    if (cpp) {
      // The C++ component is built by the node's first start (cpp/run.sh), then registers.
      await page.waitForFunction(() => document.getElementById('mul2').textContent === '42', null, { timeout: waitMs });
    }
    const first = await page.waitForFunction(
      () => /^\d+$/.test(document.getElementById('counter').textContent) && document.getElementById('counter').textContent,
      null, { timeout: WAIT_MS });
    const firstValue = Number(await first.jsonValue());
    await page.waitForFunction((v) => Number(document.getElementById('counter').textContent) > v, firstValue, { timeout: WAIT_MS });
    assert.match(await page.textContent('#status'), /^connected, session \d+$/);
    for (const url of requests) {
      assert.ok(url.startsWith(`http://${origin}/`) || url === `ws://${origin}/ws`, `request outside the node: ${url}`);
    }
    assert.ok(requests.includes(`http://${origin}/autobahn.min.js`), requests.join('\n'));
    if (cpp) {
      // The C++ component also receives the Python component's events (its stdout, in the log).
      const deadline = Date.now() + WAIT_MS;
      while (!/guest cpp_component: counter: \[/.test(log.join('')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(log.join(''), /guest cpp_component: counter: \[/);
    }
  } catch (e) {
    console.error(log.join(''));
    throw e;
  } finally {
    if (browser) await browser.close();
    browser = null;
  }
  // The node stops cleanly: SIGTERM, exit 0 (its guest and container workers with it).
  if (junction.exitCode === null) {
    const exited = new Promise((resolve) => junction.once('exit', resolve));
    junction.kill('SIGTERM');
    assert.equal(await within(exited, 20000, 'junction exit'), 0);
  }
}

test('init --template browser: the page calls the Python component and gets its events', { timeout: 90000 }, async (t) => {
  await exerciseTemplate(t, 'browser', { cpp: false });
});

test('init --template cpp: the page calls the Python and the C++ component', { timeout: 240000 }, async (t) => {
  await exerciseTemplate(t, 'cpp', { cpp: true, waitMs: 180000 });
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
