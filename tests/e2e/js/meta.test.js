'use strict';
// The WAMP meta API end to end with AutobahnJS 22.11.1 (JSON) against a live junction: meta
// events and procedures (Crossbar's shapes; on_leave per spec), kill with pending calls,
// testaments on an abrupt TCP reset, revocation (AutobahnJS handles UNSUBSCRIBED/UNREGISTERED
// with request 0), and list results after 1 000 sessions joined and left.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { autobahn, within, expectWampError, withRouter, connect, defaultConfig } = require('./harness.js');

// The ws WebSocket AutobahnJS uses, so a test can reset a session's TCP connection.
const wsPath = require.resolve('ws', { paths: [path.dirname(require.resolve('autobahn'))] });
const WebSocket = require(wsPath);
let lastWebSocket = null;
const originalSend = WebSocket.prototype.send;
WebSocket.prototype.send = function send(...args) {
  if (!this.__junctionSeen) { this.__junctionSeen = true; lastWebSocket = this; }
  return originalSend.apply(this, args);
};

const config = defaultConfig({ realms: ['realm1', 'quiet'] });
config.workers[0].realms[1].options = { enable_meta_api: false };
const { test, router: _unused } = withRouter(nodeTest, { config });
void _unused;

class Inbox {
  constructor() { this.events = []; this.waiters = []; }
  get handler() {
    return (args, kwargs) => {
      this.events.push({ args, kwargs });
      for (const w of this.waiters) if (w.done()) w.resolve();
    };
  }
  // The first n events (only those about session `about` when given: args[0] is its id).
  wait(n, ms = 10000, about = undefined) {
    const picked = () => this.events.filter((e) => about === undefined || e.args[0] === about
      || (e.args[0] && e.args[0].session === about));
    const done = () => picked().length >= n;
    if (done()) return Promise.resolve(picked().slice(0, n));
    return within(new Promise((resolve) => this.waiters.push({ done, resolve })), ms,
      `${n} events (got ${JSON.stringify(this.events)})`).then(() => picked().slice(0, n));
  }
}

async function inbox(session, topic) {
  const box = new Inbox();
  await within(session.subscribe(topic, box.handler));
  return box;
}

test('session meta events and procedures', async ({ connect: open }) => {
  const watcher = await open();
  const joins = await inbox(watcher, 'wamp.session.on_join');
  const leaves = await inbox(watcher, 'wamp.session.on_leave');
  const c = await open();
  const [join] = await joins.wait(1);
  assert.equal(join.args[0].session, c.id);
  assert.equal(join.args[0].authid, c.joinDetails.authid);
  assert.equal(join.args[0].authrole, 'anonymous');
  assert.ok((await within(watcher.call('wamp.session.list'))).includes(c.id));
  assert.equal(await within(watcher.call('wamp.session.count', [['nobody']])), 0);
  const details = await within(watcher.call('wamp.session.get', [c.id]));
  assert.equal(details.session, c.id);
  assert.equal(details.authmethod, 'anonymous');
  const authid = c.joinDetails.authid;
  const sid = c.id;
  await c.close();
  const [leave] = await leaves.wait(1);
  assert.deepEqual(leave.args, [sid, authid, 'anonymous']);
  await expectWampError(watcher.call('wamp.session.get', [sid]), 'wamp.error.no_such_session');
});

test('registration and subscription meta', async ({ connect: open }) => {
  const watcher = await open();
  const created = await inbox(watcher, 'wamp.subscription.on_create');
  const registered = await inbox(watcher, 'wamp.registration.on_register');
  const deleted = await inbox(watcher, 'wamp.registration.on_delete');
  const c = await open();
  const sub = await within(c.subscribe('com.js.topic', () => {}));
  const reg = await within(c.register('com.js.proc', () => 1));
  const [create] = await created.wait(1, 10000, c.id);
  assert.equal(create.args[0], c.id);
  assert.equal(create.args[1].id, sub.id);
  assert.equal(create.args[1].uri, 'com.js.topic');
  assert.equal(create.args[1].match, 'exact');
  assert.deepEqual((await registered.wait(1, 10000, c.id))[0].args, [c.id, reg.id]);
  assert.deepEqual(await within(watcher.call('wamp.registration.list')),
    { exact: [reg.id], prefix: [], wildcard: [] });
  assert.deepEqual(await within(watcher.call('wamp.subscription.list_subscribers', [sub.id])), [c.id]);
  assert.equal(await within(watcher.call('wamp.registration.count_callees', [reg.id])), 1);
  const got = await within(watcher.call('wamp.registration.get', [reg.id]));
  assert.equal(got.uri, 'com.js.proc');
  assert.equal(got.invoke, 'single');
  await within(c.unregister(reg));
  assert.deepEqual((await deleted.wait(1, 10000, c.id))[0].args, [c.id, reg.id]);
});

test('lookup and match', async ({ connect: open }) => {
  const admin = await open();
  const c = await open();
  const exact = await within(c.register('com.jslm.proc.one', () => 1));
  const prefix = await within(c.register('com.jslm.proc.', () => 2, { match: 'prefix' }));
  const wild = await within(c.subscribe('com.jslm..one', () => {}, { match: 'wildcard' }));
  assert.equal(await within(admin.call('wamp.registration.lookup', ['com.jslm.proc.one'])), exact.id);
  assert.equal(await within(admin.call('wamp.registration.lookup', ['com.jslm.proc.', { match: 'prefix' }])), prefix.id);
  assert.equal(await within(admin.call('wamp.registration.match', ['com.jslm.proc.two'])), prefix.id);
  assert.equal(await within(admin.call('wamp.registration.match', ['com.nothing'])), null);
  assert.equal(await within(admin.call('wamp.subscription.lookup', ['com.jslm..one', { match: 'wildcard' }])), wild.id);
  assert.deepEqual(await within(admin.call('wamp.subscription.match', ['com.jslm.x.one'])), [wild.id]);
  assert.deepEqual(await within(admin.call('wamp.registration.list', [c.id])),
    { exact: [exact.id], prefix: [prefix.id], wildcard: [] });
});

test('kill: the killed callee leaves, its callers get errors', async ({ connect: open }) => {
  const admin = await open();
  const callee = await open();
  const caller = await open();
  let started;
  const invoked = new Promise((resolve) => { started = resolve; });
  await within(callee.register('com.js.slow', () => { started(); return new Promise(() => {}); }));
  const pending = caller.call('com.js.slow');
  const outcome = pending.then((r) => ({ result: r }), (e) => ({ error: e }));
  await within(invoked);
  await expectWampError(admin.call('wamp.session.kill', [admin.id]), 'wamp.error.no_such_session');
  const calleeId = callee.id;
  await within(admin.call('wamp.session.kill', [calleeId], { reason: 'com.example.maintenance', message: 'bye' }));
  const closed = await within(callee.closed);
  assert.equal(closed.details.reason, 'com.example.maintenance');
  const { error } = await within(outcome);
  assert.ok(error instanceof autobahn.Error, `expected a WAMP error, got ${JSON.stringify(error)}`);
  assert.equal(error.error, 'wamp.error.canceled');
  assert.ok(!(await within(admin.call('wamp.session.list'))).includes(calleeId));
  const other = await open();
  const otherId = other.id;
  assert.deepEqual(await within(admin.call('wamp.session.kill_by_authid', [other.joinDetails.authid])), [otherId]);
  await within(other.closed);
});

test('testament on an abrupt TCP reset', async ({ connect: open }) => {
  const listener = await open();
  const wills = await inbox(listener, 'com.js.will');
  const c = await open();
  const socket = lastWebSocket;
  await within(c.call('wamp.session.add_testament', ['com.js.will', ['gone'], { sid: c.id }]));
  await within(c.call('wamp.session.add_testament', ['com.js.will', ['flushed'], {}, null, 'detached']));
  assert.equal(await within(c.call('wamp.session.flush_testaments', ['detached'])), 1);
  const sid = c.id;
  socket._socket.resetAndDestroy(); // RST: no GOODBYE, no close frame
  const [will] = await wills.wait(1);
  assert.deepEqual(will.args, ['gone']);
  assert.deepEqual(will.kwargs, { sid });
});

test('revocation: AutobahnJS is told and stays joined', async ({ connect: open }) => {
  const admin = await open();
  const target = await open();
  const sub = await within(target.subscribe('com.js.revoked', () => {}));
  const reg = await within(target.register('com.js.revoked_proc', () => 1));
  await within(admin.call('wamp.subscription.remove_subscriber', [sub.id, target.id], { reason: 'no longer authorized' }));
  await within(admin.call('wamp.registration.remove_callee', [reg.id, target.id], { reason: 'moved' }));
  await expectWampError(admin.call('com.js.revoked_proc'), 'wamp.error.no_such_procedure');
  await expectWampError(admin.call('wamp.subscription.get', [sub.id]), 'wamp.error.no_such_subscription');
  // Still joined and usable.
  assert.equal(typeof await within(target.call('wamp.session.count')), 'number');
});

test('enable_meta_api: false', async ({ router }) => {
  const s = await connect(router, { realm: 'quiet' });
  try {
    await expectWampError(s.call('wamp.session.count'), 'wamp.error.no_such_procedure');
  } finally {
    await s.close();
  }
});

test('nothing stale after 1 000 sessions joined and left', async ({ connect: open }) => {
  const admin = await open();
  const leaves = await inbox(admin, 'wamp.session.on_leave');
  const baseline = new Set(await within(admin.call('wamp.session.list')));
  const one = async (i) => {
    const s = await connect(admin.connection._options.url);
    await s.subscribe(`com.js.many.${i % 10}`, () => {});
    await s.register(`com.js.many.proc${i}`, () => i);
    await s.call('wamp.session.add_testament', ['com.js.many.will', [i], {}]);
    await s.close();
  };
  for (let batch = 0; batch < 10; batch++) {
    await within(Promise.all(Array.from({ length: 100 }, (_, i) => one(batch * 100 + i))), 60000, 'a batch of 100 sessions');
  }
  await leaves.wait(1000, 30000);
  assert.deepEqual(new Set(await within(admin.call('wamp.session.list'))), baseline);
  const empty = { exact: [], prefix: [], wildcard: [] };
  assert.deepEqual(await within(admin.call('wamp.subscription.list')), empty);
  assert.deepEqual(await within(admin.call('wamp.registration.list')), empty);
}, { timeout: 120000 });

