'use strict';
// Pattern-based subscriptions and registrations end to end with AutobahnJS 22.11.1 (JSON):
// EVENT.Details.topic and INVOCATION.Details.procedure for prefix/wildcard, the spec's
// precedence (exact, then the longest prefix, then the best wildcard), an exact registration
// shadowing a pattern and then removed, malformed patterns, black- plus whitelisting on a
// pattern subscription.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { within, expectWampError, withRouter } = require('./harness.js');

const { test } = withRouter(nodeTest);

class Inbox {
  constructor(name) { this.name = name; this.events = []; this.waiters = []; }
  get handler() {
    return (args, kwargs, details) => {
      this.events.push({ args, details });
      for (const w of this.waiters) if (this.events.length >= w.n) w.resolve();
    };
  }
  wait(n, ms = 10000) {
    if (this.events.length >= n) return Promise.resolve(this.events);
    return within(new Promise((resolve) => this.waiters.push({ n, resolve })), ms,
      `${this.name}: ${n} events (got ${JSON.stringify(this.events.map((e) => e.args))})`).then(() => this.events);
  }
}

const ACK = { acknowledge: true };
const MSG = { EVENT: 36, INVOCATION: 68 };

// AutobahnJS fills details.topic / details.procedure from the subscription / registration when
// the router sends none: whether the router sent them is read from the raw messages.
function recordReceived(session) {
  session.received = [];
  const ws = session._socket;
  const onmessage = ws.onmessage;
  ws.onmessage = (msg) => { session.received.push(msg); return onmessage(msg); };
  return session;
}
const received = (session, type) => session.received.filter((m) => m[0] === type);

test('WELCOME announces pattern-based subscription and registration', async ({ connect }) => {
  const s = await connect();
  assert.equal(s.joinDetails.roles.broker.features.pattern_based_subscription, true);
  assert.equal(s.joinDetails.roles.dealer.features.pattern_based_registration, true);
});

test('prefix and wildcard subscribers get EVENT.Details.topic', async ({ connect }) => {
  const sub = recordReceived(await connect());
  const pub = await connect();
  const exact = new Inbox('exact'), prefix = new Inbox('prefix'), wild = new Inbox('wildcard');
  const exactSub = await within(sub.subscribe('com.jpat.sensor.temp', exact.handler));
  await within(sub.subscribe('com.jpat.sensor.', prefix.handler, { match: 'prefix' }));
  await within(sub.subscribe('com.jpat..temp', wild.handler, { match: 'wildcard' }));
  await within(pub.publish('com.jpat.sensor.temp', [21], {}, ACK));
  await within(pub.publish('com.jpat.sensor.humidity', [40], {}, ACK));
  await within(pub.publish('com.jpat.kitchen.temp', [23], {}, ACK));
  await within(pub.publish('org.none', [0], {}, ACK));
  const [e] = await exact.wait(1);
  assert.deepEqual(e.args, [21]);
  // Exact: no Details.topic on the wire (EVENT is [36, subscription, publication, details, ...]).
  assert.deepEqual(received(sub, MSG.EVENT).filter((m) => m[1] === exactSub.id).map((m) => m[3].topic), [undefined]);
  assert.deepEqual((await prefix.wait(2)).map((x) => [x.args[0], x.details.topic]),
    [[21, 'com.jpat.sensor.temp'], [40, 'com.jpat.sensor.humidity']]);
  assert.deepEqual((await wild.wait(2)).map((x) => [x.args[0], x.details.topic]),
    [[21, 'com.jpat.sensor.temp'], [23, 'com.jpat.kitchen.temp']]);
  assert.equal(prefix.events[0].details.publication, e.details.publication);
  assert.equal(exact.events.length, 1);
});

test('malformed patterns are wamp.error.invalid_uri', async ({ connect }) => {
  const s = await connect();
  await expectWampError(s.subscribe('com..x', () => {}, { match: 'prefix' }), 'wamp.error.invalid_uri');
  await expectWampError(s.subscribe('com.#.x', () => {}, { match: 'wildcard' }), 'wamp.error.invalid_uri');
  await expectWampError(s.register('com. x', () => {}, { match: 'prefix' }), 'wamp.error.invalid_uri');
  await expectWampError(s.register('com.x', () => {}, { match: 'regex' }), 'wamp.error.invalid_argument');
});

test('blacklist and whitelist together on a prefix subscription', async ({ connect }) => {
  const pub = await connect();
  const subs = [await connect(), await connect(), await connect()];
  const inboxes = subs.map((_, i) => new Inbox(`sub${i}`));
  for (let i = 0; i < 3; i++) await within(subs[i].subscribe('com.jpat.bw.', inboxes[i].handler, { match: 'prefix' }));
  const ids = subs.map((s) => s.id);
  await within(pub.publish('com.jpat.bw.x', ['only0'], {}, { acknowledge: true, eligible: ids.slice(0, 2), exclude: [ids[1]] }));
  await within(pub.publish('com.jpat.bw.y', ['not2'], {},
    { acknowledge: true, eligible_authrole: ['anonymous'], exclude_authid: [subs[2].joinDetails.authid] }));
  const marker = new Inbox('marker');
  await within(subs[2].subscribe('com.jpat.bwmarker', marker.handler));
  await within(pub.publish('com.jpat.bwmarker', [1], {}, ACK));
  await marker.wait(1);
  await inboxes[0].wait(2);
  await inboxes[1].wait(1);
  assert.deepEqual(inboxes[0].events.map((x) => [x.args[0], x.details.topic]),
    [['only0', 'com.jpat.bw.x'], ['not2', 'com.jpat.bw.y']]);
  assert.deepEqual(inboxes[1].events.map((x) => x.args[0]), ['not2']);
  assert.equal(inboxes[2].events.length, 0);
});

async function registerNamed(session, uri, match, name) {
  const seen = [];
  const reg = await within(session.register(uri, (args, kwargs, details) => {
    seen.push(details.procedure);
    return name;
  }, { match }));
  return { reg, seen };
}

test('an exact registration shadows a pattern, then is removed', async ({ connect }) => {
  const caller = await connect();
  const wild = await connect(), pre = await connect(), exact = recordReceived(await connect());
  const w = await registerNamed(wild, 'com.jpat.rpc..get', 'wildcard', 'wildcard');
  const p = await registerNamed(pre, 'com.jpat.rpc.', 'prefix', 'prefix');
  assert.equal(await within(caller.call('com.jpat.rpc.user.get')), 'prefix');
  assert.deepEqual(p.seen, ['com.jpat.rpc.user.get']);
  const e = await registerNamed(exact, 'com.jpat.rpc.user.get', 'exact', 'exact');
  assert.equal(await within(caller.call('com.jpat.rpc.user.get')), 'exact');
  // Exact: no Details.procedure on the wire (INVOCATION is [68, request, registration, details, ...]).
  assert.deepEqual(received(exact, MSG.INVOCATION).map((m) => m[3].procedure), [undefined]);
  await within(exact.unregister(e.reg));
  assert.equal(await within(caller.call('com.jpat.rpc.user.get')), 'prefix');
  await pre.close();
  assert.equal(await within(caller.call('com.jpat.rpc.user.get')), 'wildcard');
  assert.deepEqual(w.seen, ['com.jpat.rpc.user.get']);
  await expectWampError(caller.call('com.jpat.rpc.user.put'), 'wamp.error.no_such_procedure');
});

test('the longest prefix wins', async ({ connect }) => {
  const caller = await connect();
  const a = await connect(), b = await connect();
  await registerNamed(a, 'com.jpat.lp', 'prefix', 'short');
  await registerNamed(b, 'com.jpat.lp.deep', 'prefix', 'long');
  assert.equal(await within(caller.call('com.jpat.lp.deep.x')), 'long');
  assert.equal(await within(caller.call('com.jpat.lpx')), 'short');
});
