'use strict';
// Retained events (PUBLISH retain / SUBSCRIBE get_retained) and event history (Crossbar's realm
// "store", read with wamp.subscription.get_events) end to end with AutobahnJS 22.11.1, across a
// subscriber that disconnects and comes back.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { within, expectWampError, withRouter, defaultConfig } = require('./harness.js');

const config = defaultConfig();
config.workers[0].realms[0].store = {
  type: 'memory',
  'event-history': [{ uri: 'com.jshist.counter', match: 'exact', limit: 4 }],
};
const { test } = withRouter(nodeTest, { config });

function collector() {
  const events = [];
  let wake = () => {};
  return {
    events,
    handler: (args, kwargs, details) => { events.push({ args, kwargs, details }); wake(); },
    wait: (n) => within(new Promise((resolve) => {
      const check = () => { if (events.length >= n) resolve(events); };
      wake = check;
      check();
    }), 10000, `${n} events`),
  };
}

test('retained event after the subscriber reconnects', async ({ connect }) => {
  const publisher = await connect();
  await within(publisher.publish('com.jsret.temp', [20], {}, { retain: true, acknowledge: true }));
  await within(publisher.publish('com.jsret.temp', [21], {}, { retain: true, acknowledge: true }));
  const first = await connect();
  let c = collector();
  await within(first.subscribe('com.jsret.temp', c.handler, { get_retained: true }));
  let [e] = await c.wait(1);
  assert.deepEqual(e.args, [21]);
  assert.equal(e.details.retained, true);
  await first.close();

  await within(publisher.publish('com.jsret.temp', [22], {}, { retain: true, acknowledge: true }));
  const again = await connect();
  c = collector();
  await within(again.subscribe('com.jsret.temp', c.handler, { get_retained: true }));
  [e] = await c.wait(1);
  assert.deepEqual(e.args, [22]);
  assert.equal(e.details.retained, true);
});

test('event history after the subscriber reconnects', async ({ connect }) => {
  const publisher = await connect();
  for (let i = 1; i <= 6; i++) {
    await within(publisher.publish('com.jshist.counter', [i], {}, { acknowledge: true }));
  }
  const first = await connect();
  const sub = await within(first.subscribe('com.jshist.counter', () => {}));
  let events = await within(first.call('wamp.subscription.get_events', [sub.id, 2]));
  assert.deepEqual(events.map((x) => x.args), [[6], [5]]);
  events = await within(first.call('wamp.subscription.get_events', [sub.id, 100]));
  assert.equal(events.length, 4); // the configured limit
  const id = sub.id;
  await first.close();

  await within(publisher.publish('com.jshist.counter', [7], {}, { acknowledge: true }));
  const again = await connect();
  const sub2 = await within(again.subscribe('com.jshist.counter', () => {}));
  assert.equal(sub2.id, id);
  events = await within(again.call('wamp.subscription.get_events', [sub2.id]));
  assert.deepEqual(events.map((x) => x.args), [[7], [6], [5], [4]]);
  const other = await within(again.subscribe('com.jshist.other', () => {}));
  await expectWampError(again.call('wamp.subscription.get_events', [other.id]), 'wamp.error.history_unavailable');
});
