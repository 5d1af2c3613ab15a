'use strict';
// Call timeouts and the bounded `kill` cancel end to end with AutobahnJS 22.11.1 (JSON).
//
// CALL.Options.timeout (ms; AutobahnJS passes {timeout} through) runs on the dealer: the caller
// gets exactly one ERROR wamp.error.timeout, a callee that announced call_canceling gets
// INTERRUPT {mode: killnowait, reason: wamp.error.timeout}, a late YIELD is dropped. A CANCEL with
// mode `kill` waits for the callee's answer at most the realm's options.cancel_kill_grace (400 ms
// here), then the router answers wamp.error.canceled itself.
//
// AutobahnJS does not announce callee.call_canceling and has no INTERRUPT handler; the
// "canceling" callees here announce it (their HELLO is amended) and record INTERRUPTs without
// answering them: the silent callee the grace period is for.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { within, expectWampError, withRouter, defaultConfig, connectAnnouncing } = require('./harness.js');

const KILL_GRACE_MS = 400;
const config = defaultConfig();
config.workers[0].realms[0].options = { cancel_kill_grace: KILL_GRACE_MS };
const { test } = withRouter(nodeTest, { config });

const MSG = { ERROR: 8, CALL: 48, CANCEL: 49, RESULT: 50, INVOCATION: 68, INTERRUPT: 69, YIELD: 70 };

// Records the raw messages a session receives.
function record(session) {
  session.received = [];
  const ws = session._socket;
  const onmessage = ws.onmessage;
  ws.onmessage = (msg) => { session.received.push(msg); return onmessage(msg); };
  return session;
}

function deferred() {
  let resolve;
  const promise = new Promise((res) => { resolve = res; });
  return { promise, resolve };
}

// A callee of `uri` that never answers (and `${uri}.ping`); `canceling`: it announces
// call_canceling and records INTERRUPTs (answering nothing).
async function silentCallee(connect, uri, { canceling }) {
  const callee = record(canceling
    ? await connectAnnouncing(connect, { callee: { call_canceling: true } })
    : await connect());
  callee.interrupts = [];
  const interrupted = deferred();
  if (canceling) {
    callee._MESSAGE_MAP[MSG.INTERRUPT] = (msg) => { callee.interrupts.push(msg); interrupted.resolve(msg); };
  }
  const invoked = deferred();
  await within(callee.register(uri, (args) => { invoked.resolve(args[0]); return new Promise(() => {}); }));
  await within(callee.register(`${uri}.ping`, () => 'pong'));
  callee.invoked = invoked.promise;
  callee.interrupted = interrupted.promise;
  callee.invocationRequest = () => callee.received.find((m) => m[0] === MSG.INVOCATION)[1];
  return callee;
}

// After a round trip through the router: the caller's RESULTs and ERRORs for CALL `req`.
async function repliesAfterRoundTrip(caller, uri, req) {
  assert.equal(await within(caller.call(`${uri}.ping`)), 'pong');
  return caller.received.filter((m) => (m[0] === MSG.RESULT && m[1] === req) ||
    (m[0] === MSG.ERROR && m[1] === MSG.CALL && m[2] === req));
}

function lastCallRequest(caller, uri) {
  return caller._send_log.filter((m) => m[0] === MSG.CALL && m[3] === uri).pop()[1];
}

async function recordingCaller(connect) {
  const caller = record(await connect());
  caller._send_log = [];
  const send = caller._send_wamp.bind(caller);
  caller._send_wamp = (msg) => { caller._send_log.push(msg); return send(msg); };
  return caller;
}

test('WELCOME announces call_timeout', async ({ connect }) => {
  const s = await connect();
  assert.equal(s.joinDetails.roles.dealer.features.call_timeout, true);
});

test('timeout: one ERROR wamp.error.timeout; INTERRUPT killnowait to a canceling callee; late YIELD dropped', async ({ connect }) => {
  const uri = 'com.jstimeout.hang';
  const callee = await silentCallee(connect, uri, { canceling: true });
  const caller = await recordingCaller(connect);
  const t0 = Date.now();
  const call = caller.call(uri, [1], {}, { timeout: 300 });
  const req = lastCallRequest(caller, uri);
  const err = await expectWampError(call, 'wamp.error.timeout', 5000);
  assert.ok(Date.now() - t0 >= 290, `answered after ${Date.now() - t0} ms`);
  assert.equal(err.args.length, 1);
  const interrupt = await within(callee.interrupted);
  assert.deepEqual(interrupt, [MSG.INTERRUPT, callee.invocationRequest(), { mode: 'killnowait', reason: 'wamp.error.timeout' }]);
  callee._send_wamp([MSG.YIELD, callee.invocationRequest(), {}, ['late']]);
  const replies = await repliesAfterRoundTrip(caller, uri, req);
  assert.equal(replies.length, 1);
  assert.equal(replies[0][4], 'wamp.error.timeout');
  assert.ok(caller.isOpen && callee.isOpen);
});

test('timeout: a callee that cannot cancel gets no INTERRUPT', async ({ connect }) => {
  const uri = 'com.jstimeout.plain';
  const callee = await silentCallee(connect, uri, { canceling: false });
  const caller = await connect();
  await expectWampError(caller.call(uri, [2], {}, { timeout: 100 }), 'wamp.error.timeout', 5000);
  assert.equal(await within(caller.call(`${uri}.ping`)), 'pong');
  assert.deepEqual(callee.received.filter((m) => m[0] === MSG.INTERRUPT), []);
  assert.ok(callee.isOpen);
});

test('timeout racing the result: every call ends exactly once', async ({ connect }) => {
  const uri = 'com.jstimeout.race';
  const callee = await connect();
  await within(callee.register(uri, (args) => new Promise((resolve) => {
    setTimeout(() => resolve(args[0]), Math.random() * 60);
  })));
  await within(callee.register(`${uri}.ping`, () => 'pong'));
  const caller = await recordingCaller(connect);
  const calls = [];
  for (let i = 0; i < 40; i++) calls.push(caller.call(uri, [i], {}, { timeout: 30 }));
  const reqs = caller._send_log.filter((m) => m[0] === MSG.CALL && m[3] === uri).map((m) => m[1]);
  const outcomes = await within(Promise.allSettled(calls), 10000);
  outcomes.forEach((o, i) => {
    if (o.status === 'rejected') assert.equal(o.reason.error, 'wamp.error.timeout');
    else assert.equal(o.value, i);
  });
  assert.equal(await within(caller.call(`${uri}.ping`)), 'pong');
  for (const req of reqs) {
    const replies = caller.received.filter((m) => (m[0] === MSG.RESULT && m[1] === req) ||
      (m[0] === MSG.ERROR && m[1] === MSG.CALL && m[2] === req));
    assert.equal(replies.length, 1, `request ${req}: ${JSON.stringify(replies)}`);
  }
  assert.ok(caller.isOpen && callee.isOpen);
});

test('cancel {mode: kill} to a silent callee: wamp.error.canceled after the grace period; late YIELD dropped', async ({ connect }) => {
  const uri = 'com.jstimeout.kill';
  const callee = await silentCallee(connect, uri, { canceling: true });
  const caller = await recordingCaller(connect);
  const call = caller.call(uri, [3]);
  call.catch(() => {});
  const req = lastCallRequest(caller, uri);
  assert.equal(await within(callee.invoked), 3);
  const t0 = Date.now();
  call.cancel({ mode: 'kill' }); // AutobahnJS keeps a `kill` call pending for the router's answer
  const interrupt = await within(callee.interrupted);
  assert.deepEqual(interrupt, [MSG.INTERRUPT, callee.invocationRequest(), { mode: 'kill', reason: 'wamp.error.canceled' }]);
  await expectWampError(call, 'wamp.error.canceled', 5000);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= KILL_GRACE_MS - 10 && elapsed < 3000, `answered after ${elapsed} ms`);
  callee._send_wamp([MSG.YIELD, callee.invocationRequest(), {}, ['late']]);
  const replies = await repliesAfterRoundTrip(caller, uri, req);
  assert.equal(replies.length, 1);
  assert.equal(replies[0][4], 'wamp.error.canceled');
  assert.ok(caller.isOpen && callee.isOpen);
});
