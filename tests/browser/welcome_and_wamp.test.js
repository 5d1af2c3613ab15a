'use strict';
// Browser end-to-end test: Debian's Chromium (headless, /usr/bin/chromium), driven by npm
// playwright-core, against a live junction started by tests/e2e/js/harness.js.
//
//  1. the welcome page: HTTP 200, title, the WebSocket endpoint listed, a screenshot that is a PNG;
//  2. WAMP over the browser's own WebSocket (wamp.2.json): HELLO/WELCOME, RPC between two browser
//     sessions and from a Node AutobahnJS session, unicode args/kwargs compared exactly,
//     PubSub in both directions, GOODBYE/GOODBYE and a clean close;
//  3. a browser WebSocket offering no subprotocol Junction speaks (wamp.2.msgpack only, or none)
//     never opens, and the router keeps serving.
//
// No browser is downloaded: playwright-core only launches the executable it is given. Chromium
// gets a fresh temporary --user-data-dir, removed afterwards; it and junction are killed by PID
// even when a test fails. Every wait has a timeout.
//
// Run by hand:  JUNCTION_BIN=build/junction node --test tests/browser/welcome_and_wamp.test.js
// Keep the screenshot: JUNCTION_BROWSER_SCREENSHOT=/tmp/welcome.png

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startRouter, connect, within } = require('../e2e/js/harness.js');

const { launchBrowser } = require('./chromium.js');
const NAV_TIMEOUT_MS = 15000;
const WAIT_MS = 10000; // one WAMP message, one WebSocket open/close
const TEST_TIMEOUT_MS = 60000;

const PROC = 'com.example.browser.echo';
const TOPIC = 'com.example.browser.news';

// Unicode beyond Latin-1, astral characters (surrogate pairs in JS), a ZWJ sequence, RTL text,
// combining marks, U+2028, and characters JSON must escape.
const CALL_ARGS = [
  'héllo wörld', 'Ελληνικά', '日本語テキスト', '🚀✨👩‍💻', 'مرحبا', 'e\u0301\u0308', 'line\u2028sep',
  'tab\tquote"backslash\\', 42, 3.5, -7, true, false, null, { 'ключ': ['значение', '🎉'] }, [],
];
const CALL_KWARGS = { 'naïve': 'café', 'emoji 🎈': '🎈', '中文': { '深': [1, 2, 3] }, empty: '', nested: { a: [{ b: 'ü' }] } };

// ---------------------------------------------------------------------------------------------
// Chromium

let browser = null;  // launchBrowser(): the headless Chromium and its profile
let context = null;  // its playwright BrowserContext (persistent)

async function launchChromium() {
  browser = await launchBrowser({
    viewport: { width: 1024, height: 768 },
    handleSIGINT: true,
    handleSIGTERM: true,
    handleSIGHUP: true,
  });
  context = browser.context;
}

async function closeChromium() {
  if (browser) await browser.close();
  browser = null;
  context = null;
}

// ---------------------------------------------------------------------------------------------
// In-page WAMP peer: raw JSON frames over the browser's own WebSocket. Installed into the page with
// page.evaluate; named sockets live in window.wampTest.

function installPageWamp() {
  if (window.wampTest) return;
  const sockets = new Map();
  const get = (name) => {
    const entry = sockets.get(name);
    if (!entry) throw new Error(`no socket named ${name}`);
    return entry;
  };
  window.wampTest = {
    // Resolves when the socket opens, or when it closes without having opened.
    open(name, url, protocols, timeoutMs) {
      return new Promise((resolve, reject) => {
        const ws = protocols === null ? new WebSocket(url) : new WebSocket(url, protocols);
        const entry = { ws, queue: [], waiters: [], events: [], closed: null, closeWaiters: [] };
        sockets.set(name, entry);
        const timer = setTimeout(
          () => reject(new Error(`${name}: neither open nor close within ${timeoutMs} ms`)), timeoutMs);
        const summary = (opened) => ({
          opened, protocol: ws.protocol, events: entry.events.slice(), close: entry.closed,
        });
        ws.onopen = () => {
          entry.events.push('open');
          clearTimeout(timer);
          resolve(summary(true));
        };
        ws.onerror = () => { entry.events.push('error'); };
        ws.onmessage = (ev) => {
          let msg;
          if (typeof ev.data !== 'string') {
            msg = { unexpected_binary_frame: true };
          } else {
            try { msg = JSON.parse(ev.data); } catch (e) { msg = { unparsable_frame: ev.data }; }
          }
          const waiter = entry.waiters.shift();
          if (waiter) waiter.resolve(msg); else entry.queue.push(msg);
        };
        ws.onclose = (ev) => {
          entry.events.push('close');
          entry.closed = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
          for (const w of entry.waiters.splice(0)) {
            w.reject(new Error(`${name}: closed (${ev.code} ${ev.reason}) while waiting for a message`));
          }
          for (const w of entry.closeWaiters.splice(0)) w(entry.closed);
          clearTimeout(timer);
          resolve(summary(false)); // no-op when already opened
        };
      });
    },
    send(name, msg) { get(name).ws.send(JSON.stringify(msg)); },
    // The next WAMP message received on the socket.
    next(name, timeoutMs) {
      const entry = get(name);
      if (entry.queue.length) return Promise.resolve(entry.queue.shift());
      if (entry.closed) return Promise.reject(new Error(`${name}: closed (${entry.closed.code}), no message queued`));
      return new Promise((resolve, reject) => {
        const waiter = {};
        const timer = setTimeout(() => {
          entry.waiters.splice(entry.waiters.indexOf(waiter), 1);
          reject(new Error(`${name}: no message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter.resolve = (m) => { clearTimeout(timer); resolve(m); };
        waiter.reject = (e) => { clearTimeout(timer); reject(e); };
        entry.waiters.push(waiter);
      });
    },
    pending(name) { return get(name).queue.slice(); },
    state(name) {
      const { ws, events, closed } = get(name);
      return { readyState: ws.readyState, protocol: ws.protocol, events: events.slice(), close: closed };
    },
    // Closes the socket (if open) and resolves with the close event.
    close(name, code, reason, timeoutMs) {
      const entry = get(name);
      if (entry.closed) return Promise.resolve(entry.closed);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: not closed within ${timeoutMs} ms`)), timeoutMs);
        entry.closeWaiters.push((c) => { clearTimeout(timer); resolve(c); });
        if (code !== null && entry.ws.readyState <= 1) entry.ws.close(code, reason);
      });
    },
  };
}

// Node-side handle on one named browser WebSocket.
class BrowserPeer {
  constructor(page, name) { this.page = page; this.name = name; }

  eval(fn, arg, ms, what) {
    return within(this.page.evaluate(fn, arg), ms + 2000, `${this.name}: ${what}`);
  }

  open(url, protocols) {
    return this.eval(([n, u, p, t]) => window.wampTest.open(n, u, p, t),
      [this.name, url, protocols, WAIT_MS], WAIT_MS, `open ${url} ${JSON.stringify(protocols)}`);
  }

  send(msg) {
    return this.eval(([n, m]) => window.wampTest.send(n, m), [this.name, msg], 0, `send ${JSON.stringify(msg)}`);
  }

  next(what = 'message') {
    return this.eval(([n, t]) => window.wampTest.next(n, t), [this.name, WAIT_MS], WAIT_MS, what);
  }

  // The next message, which must be of WAMP message type `type`.
  async expect(type, what) {
    const msg = await this.next(what);
    assert.ok(Array.isArray(msg) && msg[0] === type,
      `${this.name}: expected ${what} (type ${type}), got ${JSON.stringify(msg)}`);
    return msg;
  }

  pending() { return this.eval((n) => window.wampTest.pending(n), this.name, 0, 'pending'); }

  state() { return this.eval((n) => window.wampTest.state(n), this.name, 0, 'state'); }

  close(code = 1000, reason = '') {
    return this.eval(([n, c, r, t]) => window.wampTest.close(n, c, r, t),
      [this.name, code, reason, WAIT_MS], WAIT_MS, 'close');
  }

  // HELLO on an open socket; returns the WELCOME.
  async join(realm = 'realm1') {
    await this.send([1, realm, { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }]);
    const welcome = await this.expect(2, 'WELCOME');
    assert.equal(welcome.length, 3, `WELCOME is [2, Session|id, Details|dict]: ${JSON.stringify(welcome)}`);
    const [, sessionId, details] = welcome;
    assert.ok(Number.isSafeInteger(sessionId) && sessionId >= 1, `session id ${sessionId}`);
    assert.ok(details && details.roles && details.roles.broker && details.roles.dealer,
      `WELCOME.Details.roles names broker and dealer: ${JSON.stringify(details)}`);
    this.sessionId = sessionId;
    return welcome;
  }

  // GOODBYE/GOODBYE, then the WebSocket close handshake.
  async leave() {
    await this.send([6, {}, 'wamp.close.close_realm']);
    const goodbye = await this.expect(6, 'GOODBYE');
    assert.deepEqual(goodbye, [6, {}, 'wamp.close.goodbye_and_out']);
    const closed = await this.close(1000);
    assert.equal(closed.wasClean, true, `clean close after GOODBYE: ${JSON.stringify(closed)}`);
    assert.equal(closed.code, 1000, `close code after GOODBYE: ${JSON.stringify(closed)}`);
  }
}

function isPng(file) {
  const buf = fs.readFileSync(file);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(buf.length > 1000, `screenshot ${file} is ${buf.length} bytes`);
  assert.ok(buf.subarray(0, 8).equals(signature), 'screenshot starts with the PNG signature');
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR', 'first PNG chunk is IHDR');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  assert.ok(width > 0 && height > 0, `PNG size ${width}x${height}`);
  return { bytes: buf.length, width, height };
}

// ---------------------------------------------------------------------------------------------

let router = null;
const baseUrl = () => `http://127.0.0.1:${router.port}/`;
const wsUrl = () => `ws://127.0.0.1:${router.port}/ws`;

test.before(async () => {
  router = await startRouter();
  try {
    await launchChromium();
  } catch (e) {
    await closeChromium();
    throw e;
  }
});

test.after(async () => {
  await closeChromium();
  if (router) await router.stop();
});

// Runs `fn(page)` in a fresh tab; on failure prints the router's log and the page's console.
function browserTest(name, fn) {
  test(name, { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(context, 'chromium is running');
    const page = await within(context.newPage(), WAIT_MS, 'new tab');
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
    try {
      await fn(page, consoleLines);
    } catch (e) {
      console.error(`----- browser console for failed test "${name}" -----\n${consoleLines.join('\n')}`);
      console.error(`----- junction log for failed test "${name}" (port ${router && router.port}) -----\n${router ? router.logTail() : '(no router)'}`);
      throw e;
    } finally {
      await within(page.close(), WAIT_MS, 'close tab').catch(() => {});
    }
  });
}

// Opens the welcome page (junction's origin) and installs the in-page WAMP peer.
async function openWelcome(page) {
  const response = await page.goto(baseUrl(), { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  assert.ok(response, 'navigation produced a response');
  await within(page.evaluate(installPageWamp), WAIT_MS, 'install in-page WAMP peer');
  return response;
}

browserTest('welcome page renders in Chromium and lists the WebSocket endpoint', async (page, consoleLines) => {
  const response = await openWelcome(page);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'] || '', /^text\/html/);
  const title = await page.title();
  assert.ok(title.includes('Junction'), `title "${title}" contains "Junction"`);
  const h1 = await page.locator('h1').first().textContent();
  assert.ok(h1.includes('Junction'), `h1 "${h1}"`);
  const endpoints = (await page.locator('li code').allTextContents()).map((s) => s.trim());
  assert.ok(endpoints.includes(wsUrl()), `endpoint list ${JSON.stringify(endpoints)} contains ${wsUrl()}`);
  const body = await page.locator('body').innerText();
  assert.ok(body.includes('wamp.2.json'), 'the page names the wamp.2.json serializer');
  assert.deepEqual(consoleLines.filter((l) => l.startsWith('[pageerror]')), [], 'no script errors');

  const shotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-browser-shot-'));
  try {
    const shot = path.join(shotDir, 'welcome.png');
    await page.screenshot({ path: shot, fullPage: true, timeout: WAIT_MS });
    const info = isPng(shot);
    if (process.env.JUNCTION_BROWSER_SCREENSHOT) fs.copyFileSync(shot, process.env.JUNCTION_BROWSER_SCREENSHOT);
    console.log(`screenshot: ${info.width}x${info.height} PNG, ${info.bytes} bytes`);
  } finally {
    fs.rmSync(shotDir, { recursive: true, force: true });
  }
});

browserTest('WAMP over the browser WebSocket: RPC, PubSub and GOODBYE', async (page) => {
  await openWelcome(page);
  const a = new BrowserPeer(page, 'A'); // callee, subscriber
  const b = new BrowserPeer(page, 'B'); // caller, publisher
  let node = null;                      // AutobahnJS session in Node
  try {
    for (const peer of [a, b]) {
      const opened = await peer.open(wsUrl(), ['wamp.2.json']);
      assert.equal(opened.opened, true, `${peer.name} opens: ${JSON.stringify(opened)}`);
      assert.equal(opened.protocol, 'wamp.2.json');
      await peer.join();
    }
    assert.notEqual(a.sessionId, b.sessionId, 'two sessions, two ids');

    // --- RPC: browser B calls browser A.
    await a.send([64, 1, {}, PROC]);
    const registered = await a.expect(65, 'REGISTERED');
    assert.equal(registered.length, 3);
    assert.equal(registered[1], 1);
    const registrationId = registered[2];
    assert.ok(Number.isSafeInteger(registrationId), `registration id ${registrationId}`);

    await b.send([48, 7, {}, PROC, CALL_ARGS, CALL_KWARGS]);
    const invocation = await a.expect(68, 'INVOCATION');
    const invocationId = invocation[1];
    assert.ok(Number.isSafeInteger(invocationId), `invocation request id ${invocationId}`);
    assert.deepEqual(invocation, [68, invocationId, registrationId, {}, CALL_ARGS, CALL_KWARGS]);

    const resultArgs = ['echo', ...CALL_ARGS];
    const resultKwargs = { echo: CALL_KWARGS, 'größe': 'ß', '🔑': '🗝️' };
    await a.send([70, invocationId, {}, resultArgs, resultKwargs]);
    const result = await b.expect(50, 'RESULT');
    assert.deepEqual(result, [50, 7, {}, resultArgs, resultKwargs]);

    // --- RPC: AutobahnJS in Node calls browser A.
    node = await connect(router);
    const nodeArgs = ['from node: ñ', '🦊', 1];
    const nodeKwargs = { 'clé': 'värde', '🌍': ['地球'] };
    const answered = (async () => {
      const inv = await a.expect(68, 'INVOCATION from Node');
      assert.deepEqual(inv, [68, inv[1], registrationId, {}, nodeArgs, nodeKwargs]);
      await a.send([70, inv[1], {}, ['echo', ...inv[4]], { echo: inv[5] }]);
    })();
    const nodeResult = await within(node.call(PROC, nodeArgs, nodeKwargs), WAIT_MS, 'Node call');
    await answered;
    assert.deepEqual(nodeResult.args, ['echo', ...nodeArgs]);
    assert.deepEqual(nodeResult.kwargs, { echo: nodeKwargs });

    // --- PubSub: browser B publishes; browser A and Node receive.
    await a.send([32, 2, {}, TOPIC]);
    const subscribed = await a.expect(33, 'SUBSCRIBED');
    assert.equal(subscribed[1], 2);
    const subscriptionId = subscribed[2];
    assert.ok(Number.isSafeInteger(subscriptionId), `subscription id ${subscriptionId}`);

    const nodeEvents = [];
    let onNodeEvent;
    const nodeGotEvent = new Promise((resolve) => { onNodeEvent = resolve; });
    await within(node.subscribe(TOPIC, (args, kwargs) => { nodeEvents.push({ args, kwargs }); onNodeEvent(); }),
      WAIT_MS, 'Node subscribe');

    const eventArgs = ['naïve café ✓', '🐘', { 'ü': [1.25, null] }];
    const eventKwargs = { 'тема': 'новости', '🔔': true };
    await b.send([16, 8, { acknowledge: true }, TOPIC, eventArgs, eventKwargs]);
    const published = await b.expect(17, 'PUBLISHED');
    assert.equal(published[1], 8);
    const publicationId = published[2];
    assert.ok(Number.isSafeInteger(publicationId), `publication id ${publicationId}`);
    const event = await a.expect(36, 'EVENT');
    assert.deepEqual(event, [36, subscriptionId, publicationId, {}, eventArgs, eventKwargs]);
    await within(nodeGotEvent, WAIT_MS, 'event at the Node subscriber');
    assert.deepEqual(nodeEvents, [{ args: eventArgs, kwargs: eventKwargs }]);

    // --- PubSub: Node publishes; browser A receives.
    const fromNodeArgs = ['από τον κόμβο', '🛰️'];
    const fromNodeKwargs = { 'k': 'ẞ' };
    const pub = await within(node.publish(TOPIC, fromNodeArgs, fromNodeKwargs, { acknowledge: true }),
      WAIT_MS, 'Node publish');
    const event2 = await a.expect(36, 'EVENT from Node');
    assert.deepEqual(event2, [36, subscriptionId, pub.id, {}, fromNodeArgs, fromNodeKwargs]);

    // B is neither subscribed nor a callee: nothing else arrived for it (nor for A).
    assert.deepEqual(await b.pending(), []);
    assert.deepEqual(await a.pending(), []);

    // --- GOODBYE from both browser sessions.
    await a.leave();
    await b.leave();
  } finally {
    if (node) await node.close();
  }
});

browserTest('a browser WebSocket without a subprotocol Junction speaks does not open', async (page) => {
  await openWelcome(page);

  for (const [name, protocols] of [['msgpack-only', ['wamp.2.msgpack']], ['no-subprotocol', null]]) {
    const peer = new BrowserPeer(page, name);
    const r = await peer.open(wsUrl(), protocols);
    assert.equal(r.opened, false, `${name}: must not open: ${JSON.stringify(r)}`);
    assert.ok(!r.events.includes('open'), `${name}: no open event: ${JSON.stringify(r.events)}`);
    assert.ok(r.events.includes('error'), `${name}: error event: ${JSON.stringify(r.events)}`);
    assert.ok(r.events.includes('close'), `${name}: close event: ${JSON.stringify(r.events)}`);
    assert.equal(r.close.code, 1006, `${name}: abnormal closure: ${JSON.stringify(r.close)}`);
    assert.equal(r.close.wasClean, false);
  }

  // Offering msgpack first and json second negotiates json.
  const mixed = new BrowserPeer(page, 'msgpack-then-json');
  const opened = await mixed.open(wsUrl(), ['wamp.2.msgpack', 'wamp.2.json']);
  assert.equal(opened.opened, true, JSON.stringify(opened));
  assert.equal(opened.protocol, 'wamp.2.json');
  await mixed.join();

  // The router keeps serving: a browser session and a Node session talk through it.
  assert.ok(router.running(), 'junction still running');
  const node = await connect(router);
  try {
    await mixed.send([64, 3, {}, PROC]);
    const registered = await mixed.expect(65, 'REGISTERED');
    const answered = (async () => {
      const inv = await mixed.expect(68, 'INVOCATION');
      assert.deepEqual(inv, [68, inv[1], registered[2], {}, ['still here ✓'], {}]);
      await mixed.send([70, inv[1], {}, ['yes ✓']]);
    })();
    const res = await within(node.call(PROC, ['still here ✓'], {}), WAIT_MS, 'Node call after refused handshakes');
    await answered;
    assert.deepEqual(res, 'yes ✓'); // AutobahnJS returns a lone positional result unwrapped
    await mixed.leave();
  } finally {
    await node.close();
  }

  // And the welcome page still loads.
  const again = await page.goto(baseUrl(), { timeout: NAV_TIMEOUT_MS });
  assert.equal(again.status(), 200);
});
