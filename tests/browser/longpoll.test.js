'use strict';
// Browser end-to-end test of WAMP-over-Long-Poll: AutobahnJS's own long-poll transport
// (node_modules/autobahn/lib/transport/longpoll.js, which needs the browser's XMLHttpRequest) in
// Debian's Chromium (headless, driven by npm playwright-core), against a live junction, with a
// WebSocket AutobahnJS peer in Node:
//
//  1. the page's session joins over long-poll only (transports: [{type: 'longpoll'}]);
//  2. RPC both ways: the page calls a procedure the WebSocket peer registered, and the peer calls
//     one the page registered (unicode args/kwargs compared exactly);
//  3. PubSub both ways, including a burst of events (several queued between two polls);
//  4. the page closes: its session leaves the realm (the peer sees wamp.session.on_leave), and
//     the transport id is gone (404).
//
// AutobahnJS is a set of CommonJS modules and the repository has no bundler: the test serves
// them to the page as one script that registers each module under its path and resolves
// require() between them (browser field of AutobahnJS's package.json honoured: no ws, no
// rawsocket). Serializer and authentication libraries the page does not use (msgpack5, cbor,
// crypto-js) are stubs; tweetnacl is the real one. Everything on the wire is AutobahnJS's code.
//
// Run by hand:  JUNCTION_BIN=$PWD/build/junction node --test tests/browser/longpoll.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const { autobahn, startRouter, connect, within } = require('../e2e/js/harness.js');

const { launchBrowser } = require('./chromium.js');
const WAIT_MS = 10000;

const ARGS = ['héllo wörld', '日本語', '🚀✨👩‍💻', 'line\u2028sep', 'quote"back\\slash', 42, 3.5, true, null, { 'ключ': ['🎉'] }];
const KWARGS = { 'naïve': 'café', nested: { a: [{ b: 'ü' }] } };

function nodeModulesDir() {
  return path.dirname(path.dirname(require.resolve(path.join(__dirname, '..', '..', 'node_modules', 'autobahn', 'package.json'))));
}

// AutobahnJS as one browser script (see the file comment).
function autobahnBundle() {
  const modules = nodeModulesDir();
  const root = path.join(modules, 'autobahn');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const sources = {};
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) {
        sources['autobahn/' + path.relative(root, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
      }
    }
  };
  walk(path.join(root, 'lib'));
  for (const [from, to] of Object.entries(pkg.browser || {})) {
    if (to === false && from.startsWith('./')) sources['autobahn/' + from.slice(2)] = 'module.exports = {};';
  }
  sources['autobahn/package.json'] = `module.exports = ${JSON.stringify({ version: pkg.version })};`;
  sources.tweetnacl = fs.readFileSync(path.join(modules, 'tweetnacl', 'nacl-fast.js'), 'utf8');
  sources.msgpack5 = "module.exports = function () { throw new Error('msgpack5 is not in this page'); };";
  sources.cbor = 'module.exports = {};';
  sources['crypto-js'] = 'module.exports = {};';
  sources.ws = 'module.exports = {};';
  sources.when = "throw new Error('when is not in this page');";
  let out = '(function () {\nvar global = window;\nvar defs = {};\n';
  for (const [id, source] of Object.entries(sources)) {
    out += `defs[${JSON.stringify(id)}] = function (module, exports, require) {\n${source}\n};\n`;
  }
  out += `
var cache = {};
function resolve(from, name) {
  if (name[0] !== '.') return name;
  var parts = from.split('/'); parts.pop();
  name.split('/').forEach(function (p) {
    if (p === '..') parts.pop(); else if (p !== '.') parts.push(p);
  });
  var id = parts.join('/');
  if (!(id in defs) && (id + '.js') in defs) id += '.js';
  return id;
}
function load(id) {
  if (id in cache) return cache[id].exports;
  if (!(id in defs)) throw new Error('module not in this page: ' + id);
  var module = { exports: {} };
  cache[id] = module;
  try {
    defs[id].call(module.exports, module, module.exports, function (name) { return load(resolve(id, name)); });
  } catch (e) { delete cache[id]; throw e; }
  return module.exports;
}
window.autobahn = load('autobahn/lib/autobahn.js');
})();
`;
  return out;
}

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>long-poll</title></head>
<body><p id="state">loading</p><script src="/static/autobahn-bundle.js"></script></body></html>
`;

let root = null;
let router = null;
let context = null;
let browser = null; // launchBrowser(): the headless Chromium and its profile

test.before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-longpoll-'));
  fs.writeFileSync(path.join(root, 'index.html'), PAGE);
  fs.writeFileSync(path.join(root, 'autobahn-bundle.js'), autobahnBundle());
  router = await startRouter({
    version: 2,
    workers: [{
      type: 'router',
      realms: [{
        name: 'realm1',
        roles: [{
          name: 'anonymous',
          permissions: [{
            uri: '', match: 'prefix',
            allow: { call: true, register: true, publish: true, subscribe: true },
            disclose: { caller: false, publisher: false }, cache: true,
          }],
        }],
      }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          '/': { type: 'redirect', url: '/static/index.html' },
          static: { type: 'static', directory: root },
          ws: { type: 'websocket' },
          lp: { type: 'longpoll', options: { request_timeout: 2, session_timeout: 3 } },
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

const base = () => `http://127.0.0.1:${router.port}`;

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('error', reject);
    req.setTimeout(WAIT_MS, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

test('AutobahnJS over long-poll in Chromium: RPC and PubSub with a WebSocket peer', async () => {
  const page = await within(context.newPage(), WAIT_MS, 'new tab');
  page.setDefaultTimeout(WAIT_MS);
  const log = [];
  page.on('console', (m) => log.push(`[console] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  const peer = await connect(`ws://127.0.0.1:${router.port}/ws`);
  try {
    await page.goto(`${base()}/`, { waitUntil: 'load' });
    assert.equal(await page.evaluate(() => typeof window.autobahn.Connection), 'function');

    // The WebSocket peer: a procedure for the page, and what it hears from the page.
    await peer.register('com.example.lp.ws_echo', (args, kwargs) => new autobahn.Result(args, kwargs));
    const pageEvents = [];
    let gotPageEvents;
    const allPageEvents = new Promise((r) => { gotPageEvents = r; });
    await peer.subscribe('com.example.lp.from_page', (args) => {
      pageEvents.push(args[0]);
      if (pageEvents.length === 3) gotPageEvents();
    });
    const left = [];
    await peer.subscribe('wamp.session.on_leave', (args) => { left.push(args[0]); });

    // The page joins over long-poll only.
    const joined = await page.evaluate(async (url) => {
      const connection = new autobahn.Connection({
        realm: 'realm1', transports: [{ type: 'longpoll', url }], max_retries: 0,
      });
      window.lp = { connection, events: [] };
      return await new Promise((resolve, reject) => {
        connection.onopen = async (session, details) => {
          window.lp.session = session;
          await session.register('com.example.lp.page_echo', (args, kwargs) => new autobahn.Result(args, kwargs));
          await session.subscribe('com.example.lp.to_page', (args) => { window.lp.events.push(args[0]); });
          resolve({ id: session.id, transport: details.transport && details.transport.type,
            url: connection.transport.info.url });
        };
        connection.onclose = (reason, details) => { reject(new Error('closed: ' + reason + ' ' + JSON.stringify(details))); return true; };
        connection.open();
      });
    }, `${base()}/lp`);
    assert.ok(joined.id > 0);
    assert.match(joined.url, /\/lp\/[A-Za-z0-9]{16}$/);
    const transportUrl = joined.url;

    // RPC: page -> WebSocket peer.
    const result = await page.evaluate(async ([args, kwargs]) => {
      const r = await window.lp.session.call('com.example.lp.ws_echo', args, kwargs);
      return { args: r.args, kwargs: r.kwargs };
    }, [ARGS, KWARGS]);
    assert.deepEqual(result, { args: ARGS, kwargs: KWARGS });

    // RPC: WebSocket peer -> page.
    const back = await within(peer.call('com.example.lp.page_echo', ARGS, KWARGS), WAIT_MS, 'call the page');
    assert.deepEqual(back.args, ARGS);
    assert.deepEqual(back.kwargs, KWARGS);

    // PubSub: a burst to the page (several events wait between two polls), and from the page.
    for (let i = 0; i < 20; i++) peer.publish('com.example.lp.to_page', [i]);
    await page.waitForFunction(() => window.lp.events.length === 20);
    assert.deepEqual(await page.evaluate(() => window.lp.events), [...Array(20).keys()]);
    await page.evaluate(async () => {
      for (const x of ['α', 'β', 'γ']) {
        await window.lp.session.publish('com.example.lp.from_page', [x], {}, { acknowledge: true });
      }
    });
    await within(allPageEvents, WAIT_MS, 'events from the page');
    assert.deepEqual(pageEvents, ['α', 'β', 'γ']);

    // An idle poll (request_timeout 2 s) comes back empty and the session stays: wait past it.
    await new Promise((r) => setTimeout(r, 2500));
    // (AutobahnJS gives a single positional result as the value itself.)
    const again = await page.evaluate(async () => window.lp.session.call('com.example.lp.ws_echo', ['still here']));
    assert.equal(again, 'still here');

    // The page leaves: its session is gone from the realm and so is the transport.
    await page.evaluate(() => new Promise((resolve) => {
      window.lp.connection.onclose = () => { resolve(); return true; };
      window.lp.connection.close();
    }));
    const deadline = Date.now() + WAIT_MS;
    while (!left.includes(joined.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(left.includes(joined.id), 'the long-poll session did not leave');
    const gone = await post(`${transportUrl}/send`, '[1,"realm1",{}]');
    assert.equal(gone.status, 404);
  } catch (e) {
    console.error(log.join('\n'));
    console.error(router.logTail());
    throw e;
  } finally {
    await page.close().catch(() => {});
    await peer.close().catch(() => {});
  }
});

test('a long-poll client that vanishes is freed after session_timeout', async () => {
  const peer = await connect(`ws://127.0.0.1:${router.port}/ws`);
  try {
    const left = [];
    await peer.subscribe('wamp.session.on_leave', (args) => { left.push(args[0]); });
    // A hand-driven client: open, HELLO, read the WELCOME, then never come back.
    const opened = await post(`${base()}/lp/open`, JSON.stringify({ protocols: ['wamp.2.json'] }));
    assert.equal(opened.status, 200);
    const { transport, protocol } = JSON.parse(opened.body);
    assert.equal(protocol, 'wamp.2.json');
    const sent = await post(`${base()}/lp/${transport}/send`, JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }]));
    assert.equal(sent.status, 204);
    const welcome = await post(`${base()}/lp/${transport}/receive`, '');
    assert.equal(welcome.status, 200);
    const message = JSON.parse(welcome.body);
    assert.equal(message[0], 2);
    const sessionId = message[1];
    const deadline = Date.now() + 10000;  // session_timeout is 3 s: gone within 2 checks
    while (!left.includes(sessionId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(left.includes(sessionId), 'the vanished session was not freed');
    const gone = await post(`${base()}/lp/${transport}/receive`, '');
    assert.equal(gone.status, 404);
  } finally {
    await peer.close().catch(() => {});
  }
});
