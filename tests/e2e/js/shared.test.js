'use strict';
// Shared registrations end to end with AutobahnJS 22.11.1 (JSON): REGISTER.Options.invoke
// (single, first, last, roundrobin, random), the error for another policy, and a callee leaving
// mid-call: only its own calls fail, the next call goes to a live callee.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { within, expectWampError, withRouter } = require('./harness.js');

const { test } = withRouter(nodeTest);

async function callees(connect, n, uri, invoke) {
  const sessions = [];
  const regs = [];
  for (let i = 0; i < n; i++) {
    const s = await connect();
    sessions.push(s);
    regs.push(await within(s.register(uri, () => i, { invoke })));
  }
  return { sessions, regs };
}

async function callN(caller, uri, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await within(caller.call(uri)));
  return out;
}

test('WELCOME announces shared_registration', async ({ connect }) => {
  const s = await connect();
  assert.equal(s.joinDetails.roles.dealer.features.shared_registration, true);
});

test('roundrobin cycles in registration order', async ({ connect }) => {
  const caller = await connect();
  const { regs } = await callees(connect, 3, 'com.jshared.rr', 'roundrobin');
  assert.equal(new Set(regs.map((r) => r.id)).size, 1);
  assert.deepEqual(await callN(caller, 'com.jshared.rr', 7), [0, 1, 2, 0, 1, 2, 0]);
});

test('first and last: hot standby', async ({ connect }) => {
  const caller = await connect();
  const first = await callees(connect, 3, 'com.jshared.first', 'first');
  await callees(connect, 3, 'com.jshared.last', 'last');
  assert.deepEqual(await callN(caller, 'com.jshared.first', 3), [0, 0, 0]);
  assert.deepEqual(await callN(caller, 'com.jshared.last', 3), [2, 2, 2]);
  await first.sessions[0].close();
  assert.equal(await within(caller.call('com.jshared.first')), 1);
});

test('random reaches every callee', async ({ connect }) => {
  const caller = await connect();
  await callees(connect, 3, 'com.jshared.random', 'random');
  const seen = new Set(await callN(caller, 'com.jshared.random', 60));
  assert.deepEqual([...seen].sort(), [0, 1, 2]);
});

test('another invocation policy is refused', async ({ connect }) => {
  await callees(connect, 1, 'com.jshared.conflict', 'roundrobin');
  await callees(connect, 1, 'com.jshared.single', 'single');
  const other = await connect();
  await expectWampError(other.register('com.jshared.conflict', () => 0, { invoke: 'last' }),
    'wamp.error.procedure_exists_with_different_invocation_policy');
  await expectWampError(other.register('com.jshared.single', () => 0, { invoke: 'single' }),
    'wamp.error.procedure_already_exists');
});

test('a callee leaving mid-call fails only its own calls', async ({ connect }) => {
  const caller = await connect();
  const slow = await connect();
  const fast = await connect();
  let started;
  const startedP = new Promise((resolve) => { started = resolve; });
  await within(slow.register('com.jshared.leave', () => { started(); return new Promise(() => {}); },
    { invoke: 'roundrobin' }));
  await within(fast.register('com.jshared.leave', () => 'fast', { invoke: 'roundrobin' }));
  const pending = caller.call('com.jshared.leave'); // -> slow, never answered
  await within(startedP);
  assert.equal(await within(caller.call('com.jshared.leave')), 'fast');
  slow.connection._transport.close(); // drop the WebSocket: no GOODBYE
  const err = await expectWampError(pending, 'wamp.error.canceled');
  assert.deepEqual(err.args, ['callee disconnected from in-flight request']);
  assert.deepEqual(await callN(caller, 'com.jshared.leave', 3), ['fast', 'fast', 'fast']);
});
