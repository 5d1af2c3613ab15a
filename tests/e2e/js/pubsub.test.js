'use strict';
// Publish & Subscribe end to end with AutobahnJS (JSON) against a live junction.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { autobahn, within, expectWampError, withRouter } = require('./harness.js');

const { test } = withRouter(nodeTest);
const ACK = { acknowledge: true };
const MAX_ID = 2 ** 53;

// Collects events; wait(n) resolves once n arrived (with a timeout).
class Inbox {
  constructor() { this.events = []; this.waiters = []; }

  get handler() {
    return (args, kwargs) => {
      this.events.push([args, kwargs]);
      for (const w of this.waiters) if (this.events.length >= w.n) w.resolve();
    };
  }

  async wait(n, ms = 10000) {
    if (this.events.length < n) {
      await within(new Promise((resolve) => this.waiters.push({ n, resolve })), ms,
        `${n} events (got ${this.events.length})`);
    }
    return this.events;
  }
}

test('publish with acknowledge', async ({ connect }) => {
  const sub = await connect();
  const pub = await connect();
  const inbox = new Inbox();
  await within(sub.subscribe('com.example.jsps.ack', inbox.handler));
  const p = await within(pub.publish('com.example.jsps.ack', [1, 'zwei', [3]], { x: { y: 'ü' } }, ACK));
  assert.ok(p instanceof autobahn.Publication);
  assert.ok(Number.isInteger(p.id) && p.id >= 1 && p.id <= MAX_ID, `publication id ${p.id}`);
  assert.deepEqual(await inbox.wait(1), [[[1, 'zwei', [3]], { x: { y: 'ü' } }]]);
});

test('publish without acknowledge', async ({ connect }) => {
  const sub = await connect();
  const pub = await connect();
  const inbox = new Inbox();
  await within(sub.subscribe('com.example.jsps.noack', inbox.handler));
  assert.equal(pub.publish('com.example.jsps.noack', ['hello'], { n: 1 }), undefined);
  assert.equal(pub.publish('com.example.jsps.noack'), undefined);
  assert.deepEqual(await inbox.wait(2), [[['hello'], { n: 1 }], [[], {}]]);
});

test('publisher is excluded by default; exclude_me: false includes it', async ({ t, connect }) => {
  const pub = await connect();
  const sub = await connect();
  const inboxPub = new Inbox();
  const inboxSub = new Inbox();
  await within(pub.subscribe('com.example.jsps.excl', inboxPub.handler));
  await within(sub.subscribe('com.example.jsps.excl', inboxSub.handler));
  await within(pub.publish('com.example.jsps.excl', ['from-pub'], {}, ACK));
  await within(sub.publish('com.example.jsps.excl', ['from-sub'], {}, ACK));
  // "from-pub" was routed completely before its PUBLISHED: had it gone to its own publisher, it
  // would have arrived there before "from-sub".
  assert.deepEqual(await inboxPub.wait(1), [[['from-sub'], {}]]);
  assert.deepEqual(await inboxSub.wait(1), [[['from-pub'], {}]]);

  if (!(pub.features.publisher && pub.features.publisher.publisher_exclusion)) {
    t.skip('router does not announce broker feature publisher_exclusion');
    return;
  }
  await within(pub.publish('com.example.jsps.excl', ['me-too'], {}, { acknowledge: true, exclude_me: false }));
  assert.deepEqual((await inboxPub.wait(2))[1], [['me-too'], {}]);
  assert.deepEqual((await inboxSub.wait(2))[1], [['me-too'], {}]);
});

test('2000 events arrive complete and in order', async ({ connect }) => {
  const sub = await connect();
  const sub2 = await connect();
  const pub = await connect();
  const inbox = new Inbox();
  const inbox2 = new Inbox();
  await within(sub.subscribe('com.example.jsps.stream', inbox.handler));
  await within(sub2.subscribe('com.example.jsps.stream', inbox2.handler));
  const n = 2000;
  for (let i = 0; i < n - 1; i++) pub.publish('com.example.jsps.stream', [i], { payload: 'x'.repeat(i % 50) });
  await within(pub.publish('com.example.jsps.stream', [n - 1], { payload: 'x'.repeat((n - 1) % 50) }, ACK), 30000);
  const expected = Array.from({ length: n }, (_, i) => [[i], { payload: 'x'.repeat(i % 50) }]);
  for (const box of [inbox, inbox2]) {
    const events = await box.wait(n, 30000);
    assert.deepEqual(events.map((e) => e[0][0]), Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(events, expected);
  }
});

test('unsubscribe stops delivery', async ({ connect }) => {
  const sub = await connect();
  const pub = await connect();
  const inbox = new Inbox();
  const marker = new Inbox();
  const s = await within(sub.subscribe('com.example.jsps.unsub', inbox.handler));
  await within(sub.subscribe('com.example.jsps.unsub_marker', marker.handler));
  await within(pub.publish('com.example.jsps.unsub', ['before'], {}, ACK));
  assert.deepEqual(await inbox.wait(1), [[['before'], {}]]);
  await within(sub.unsubscribe(s));
  await within(pub.publish('com.example.jsps.unsub', ['after'], {}, ACK));
  await within(pub.publish('com.example.jsps.unsub_marker', ['marker'], {}, ACK));
  assert.deepEqual(await marker.wait(1), [[['marker'], {}]]);
  assert.deepEqual(inbox.events, [[['before'], {}]]);
});

test('invalid URI: wamp.error.invalid_uri', async ({ connect }) => {
  const s = await connect();
  for (const bad of ['com..bad', 'with space', 'com.example.', 'com.#.x']) {
    await expectWampError(s.publish(bad, [1], {}, ACK), 'wamp.error.invalid_uri');
    await expectWampError(s.subscribe(bad, () => {}), 'wamp.error.invalid_uri');
  }
});
