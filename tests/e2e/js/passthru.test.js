'use strict';
// Payload passthru mode end to end with AutobahnJS 22.11.1 (JSON): CALL, YIELD and PUBLISH with
// ppt_* options reach the INVOCATION, RESULT and EVENT with the same ppt_* details and the payload
// untouched; a callee without the feature: wamp.error.feature_not_supported; a caller without it
// is aborted (spec).
//
// AutobahnJS does not implement the feature; it passes call()/publish() options through. The
// sessions announce it (harness connectAnnouncing); the callee answers on the session's own
// message path (a YIELD with ppt_* options, which AutobahnJS's endpoints cannot send).
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { within, expectWampError, withRouter, connectAnnouncing } = require('./harness.js');

const { test } = withRouter(nodeTest);

const MSG = { ABORT: 3, RESULT: 50, EVENT: 36, INVOCATION: 68, YIELD: 70 };
const PPT = { ppt_scheme: 'mqtt', ppt_serializer: 'mqtt' };
const FEATURE = { payload_passthru_mode: true };
const SEALED = 'MQTT\u0004\u00c2'; // stands for another protocol's message

function record(session) {
  session.received = [];
  const ws = session._socket;
  const onmessage = ws.onmessage;
  ws.onmessage = (msg) => { session.received.push(msg); return onmessage(msg); };
  return session;
}

async function peer(connect) {
  return record(await connectAnnouncing(connect,
    { caller: FEATURE, callee: FEATURE, publisher: FEATURE, subscriber: FEATURE }));
}

function ppt(details) {
  return Object.fromEntries(Object.entries(details).filter(([k]) => k.startsWith('ppt_')));
}

test('WELCOME announces payload_passthru_mode (dealer and broker)', async ({ connect }) => {
  const s = await connect();
  assert.equal(s.joinDetails.roles.dealer.features.payload_passthru_mode, true);
  assert.equal(s.joinDetails.roles.broker.features.payload_passthru_mode, true);
});

test('CALL and YIELD: payload and ppt_* attributes passed on', async ({ connect }) => {
  const uri = 'com.jsppt.echo';
  const callee = await peer(connect);
  await within(callee.register(uri, () => 'unused'));
  // The callee answers every INVOCATION itself: a YIELD with the ppt_* options.
  callee._MESSAGE_MAP[MSG.INVOCATION] = (msg) => {
    callee._send_wamp([MSG.YIELD, msg[1], PPT, [`${msg[4][0]}:back`]]);
  };
  const caller = await peer(connect);
  assert.equal(await within(caller.call(uri, [SEALED], {}, PPT)), `${SEALED}:back`);
  const invocation = callee.received.find((m) => m[0] === MSG.INVOCATION);
  assert.deepEqual([ppt(invocation[3]), invocation[4]], [PPT, [SEALED]]);
  const result = caller.received.find((m) => m[0] === MSG.RESULT);
  assert.deepEqual(ppt(result[2]), PPT);
});

test('PUBLISH: every subscriber gets the payload and the ppt_* attributes', async ({ connect }) => {
  const topic = 'com.jsppt.topic';
  const subscriber = await peer(connect);
  const plain = record(await connect()); // spec: the subscriber's own business
  const got = [];
  await within(subscriber.subscribe(topic, (args) => got.push(args[0])));
  await within(plain.subscribe(topic, (args) => got.push(args[0])));
  const publisher = await peer(connect);
  await within(publisher.publish(topic, [SEALED], {}, { ...PPT, acknowledge: true }));
  await within((async () => { while (got.length < 2) await new Promise((r) => setTimeout(r, 10)); })());
  for (const s of [subscriber, plain]) {
    const event = s.received.find((m) => m[0] === MSG.EVENT);
    assert.deepEqual([ppt(event[3]), event[4]], [PPT, [SEALED]]);
  }
});

test('a callee without the feature: wamp.error.feature_not_supported', async ({ connect }) => {
  const uri = 'com.jsppt.plain';
  const plain = await connect();
  let invoked = false;
  await within(plain.register(uri, () => { invoked = true; }));
  const caller = await peer(connect);
  await expectWampError(caller.call(uri, [SEALED], {}, PPT), 'wamp.error.feature_not_supported');
  assert.equal(invoked, false);
});

test('a caller without the feature is aborted (protocol violation)', async ({ connect }) => {
  const uri = 'com.jsppt.unannounced';
  const callee = await peer(connect);
  await within(callee.register(uri, () => 'never'));
  const plain = record(await connect());
  plain.call(uri, [SEALED], {}, PPT).catch(() => {});
  await within(plain.closed, 5000, 'the ABORT');
  // (AutobahnJS reports no reason for an ABORT after WELCOME: the message itself is checked.)
  const abort = plain.received.find((m) => m[0] === MSG.ABORT);
  assert.equal(abort[2], 'wamp.error.protocol_violation');
  assert.equal(callee.received.filter((m) => m[0] === MSG.INVOCATION).length, 0);
});
