'use strict';
// Browser end-to-end test of cookie tracking and cookie authentication (Crossbar's "cookie" on a
// WebSocket path and "cookie" in its "auth"), with the real cookie jar of Debian's Chromium
// (headless, driven by npm playwright-core) and AutobahnJS from npm's autobahn-browser package:
//
//  1. a page logs in with a ticket, offering ["cookie", "ticket"]: the 101 hands the browser an
//     HttpOnly cbtid cookie, which lands in the jar;
//  2. it reconnects: welcomed at once by its cookie (no challenge; authmethod "ticket",
//     authprovider "cookie", the same authid, role and authextra);
//  3. junction restarts (a file cookie store, a new port: cookies are per host, not per port):
//     the browser is still recognised;
//  4. a second tab is recognised too; the first one leaves with wamp.close.logout: the second
//     tab's connection is closed by the router, and the next connection is challenged again.
//
// Chromium gets a fresh temporary --user-data-dir, removed afterwards. Every wait has a timeout.
//
// Run by hand:  JUNCTION_BIN=$PWD/build/junction node --test tests/browser/cookie.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startRouter, within } = require('../e2e/js/harness.js');
const { launchBrowser } = require('./chromium.js');

const WAIT_MS = 10000;
const TICKET = 'tkt-browser-cookie-91c4';

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>cookie</title></head>
<body><script src="/static/autobahn.min.js"></script></body></html>
`;

let root = null;
let router = null;
let context = null;
let browser = null; // launchBrowser(): the headless Chromium and its profile

function routerConfig(cookieFile) {
  return {
    version: 2,
    workers: [{
      type: 'router',
      realms: [{
        name: 'realm1',
        roles: [
          { name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } }] },
        ],
      }],
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          '/': { type: 'redirect', url: '/static/index.html' },
          static: { type: 'static', directory: root },
          ws: {
            type: 'websocket',
            cookie: { max_age: 3600, store: { type: 'file', filename: cookieFile } },
            auth: {
              ticket: { type: 'static', principals: { joe: { ticket: TICKET, role: 'user', authextra: { team: 'blue' } } } },
              cookie: {},
            },
          },
        },
      }],
    }],
  };
}

test.before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-cookie-browser-'));
  fs.writeFileSync(path.join(root, 'index.html'), PAGE);
  fs.copyFileSync(path.join(__dirname, '..', '..', 'node_modules', 'autobahn-browser', 'autobahn.min.js'),
    path.join(root, 'autobahn.min.js'));
  browser = await launchBrowser();
  context = browser.context;
});

test.after(async () => {
  if (browser) await browser.close();
  if (router) await router.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

async function openPage(log, tag) {
  const page = await within(context.newPage(), WAIT_MS, 'new tab');
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (m) => log.push(`[${tag} console] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[${tag} pageerror] ${e.message}`));
  await page.goto(`http://127.0.0.1:${router.port}/`, { waitUntil: 'load' });
  assert.equal(await page.evaluate(() => typeof window.autobahn.Connection), 'function');
  return page;
}

// In the page: an AutobahnJS connection offering ["cookie", "ticket"] as joe (the ticket is
// answered if asked for); resolves with the WELCOME details and whether a challenge came. The
// connection stays in window.conns[name]; window.ended[name] gets the reason it closed for.
function join(page, name) {
  return page.evaluate(([name, ticket]) => new Promise((resolve, reject) => {
    window.conns = window.conns || {};
    window.ended = window.ended || {};
    let challenged = false;
    const connection = new autobahn.Connection({
      url: `ws://${location.host}/ws`, realm: 'realm1', max_retries: 0,
      authmethods: ['cookie', 'ticket'], authid: 'joe',
      onchallenge: (session, method) => { challenged = true; return method === 'ticket' ? ticket : ''; },
    });
    window.conns[name] = connection;
    connection.onopen = (session, details) => resolve({
      challenged, authid: details.authid, authrole: details.authrole, authmethod: details.authmethod,
      authprovider: details.authprovider, team: details.authextra && details.authextra.team,
    });
    connection.onclose = (reason, details) => {
      window.ended[name] = reason;
      reject(new Error(`closed: ${reason} ${JSON.stringify(details)}`));
      return true; // no retries
    };
    connection.open();
  }), [name, TICKET]);
}

// Closes window.conns[name] (with `reason`, if any) and waits until AutobahnJS reports it closed.
function leave(page, name, reason) {
  return page.evaluate(([name, reason]) => new Promise((resolve) => {
    const connection = window.conns[name];
    connection.onclose = (why) => { window.ended[name] = why; resolve(why); return true; };
    connection.close(reason);
  }), [name, reason]);
}

test('a returning browser is recognised by its cookie, across a restart, until it logs out', async () => {
  const log = [];
  const cookieFile = path.join(root, 'cookies.dat');
  router = await startRouter(routerConfig(cookieFile));
  let page = null;
  let tab = null;
  try {
    page = await openPage(log, 'page');

    // 1. First visit: a ticket login; the browser's jar holds the cookie the 101 set.
    const first = await join(page, 'a');
    assert.deepEqual(first, {
      challenged: true, authid: 'joe', authrole: 'user', authmethod: 'ticket', authprovider: 'static', team: 'blue',
    });
    const jar = (await context.cookies()).filter((c) => c.name === 'cbtid');
    assert.equal(jar.length, 1, JSON.stringify(jar));
    assert.match(jar[0].value, /^[A-Za-z0-9]{24}$/);
    assert.equal(jar[0].httpOnly, true);
    assert.equal(await page.evaluate(() => document.cookie), ''); // HttpOnly: not for scripts
    const cbtid = jar[0].value;
    await leave(page, 'a');

    // 2. It comes back: welcomed by its cookie, no challenge.
    const recognised = {
      challenged: false, authid: 'joe', authrole: 'user', authmethod: 'ticket', authprovider: 'cookie', team: 'blue',
    };
    assert.deepEqual(await join(page, 'b'), recognised);
    await leave(page, 'b');

    // 3. junction restarts on another port, with the same cookie file.
    await page.close();
    page = null;
    await router.stop();
    router = await startRouter(routerConfig(cookieFile));
    page = await openPage(log, 'page');
    assert.deepEqual(await join(page, 'c'), recognised);
    assert.equal((await context.cookies()).find((c) => c.name === 'cbtid').value, cbtid); // kept

    // 4. A second tab is recognised too; logging out in the first closes the second.
    tab = await openPage(log, 'tab');
    assert.deepEqual(await join(tab, 'd'), recognised);
    await leave(page, 'c', 'wamp.close.logout');
    // (A clean WebSocket close from the router: AutobahnJS reports 'closed', not 'lost'.)
    await tab.waitForFunction(() => window.ended && window.ended.d !== undefined, null, { polling: 50 });
    assert.equal(await tab.evaluate(() => window.ended.d), 'closed');
    // The cookie stays (it still tracks the browser) but no longer logs anybody in.
    const after = await join(page, 'e');
    assert.deepEqual(after, { ...recognised, challenged: true, authprovider: 'static' });
    assert.equal((await context.cookies()).find((c) => c.name === 'cbtid').value, cbtid);
    await leave(page, 'e');
    assert.ok(!router.logTail(4000).includes(cbtid), 'a cookie value was logged');
  } catch (e) {
    console.error(log.join('\n'));
    console.error(router.logTail());
    throw e;
  } finally {
    if (tab) await tab.close().catch(() => {});
    if (page) await page.close().catch(() => {});
  }
});
