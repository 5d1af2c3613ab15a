'use strict';
// Progressive call invocations end to end with AutobahnJS 22.11.1 (JSON): a call streamed as
// several CALLs with one request id (Options.progress=true on all but the last) reaches one callee,
// in order, as INVOCATIONs with one request id (Details.progress=true on all but the last).
//
// AutobahnJS does not implement the feature. Its call() passes {progress: true} through, so the
// first CALL is the library's own (and the library takes the RESULT); the rest of the stream is
// sent on the session's own message path. The sessions announce the feature (harness
// connectAnnouncing); the callee's progressive INVOCATIONs are collected before the library sees
// them, and the final one reaches an ordinary AutobahnJS endpoint.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { within, expectWampError, withRouter, connectAnnouncing } = require('./harness.js');

const { test } = withRouter(nodeTest);

const MSG = { ABORT: 3, CALL: 48, INVOCATION: 68, INTERRUPT: 69 };

async function streamingCaller(connect) {
  const caller = await connectAnnouncing(connect, { caller: { progressive_call_invocations: true } });
  caller.sentLog = [];
  const send = caller._send_wamp.bind(caller);
  caller._send_wamp = (msg) => { caller.sentLog.push(msg); return send(msg); };
  // Streams a call to `uri`: chunks[0] in the library's own CALL, the other chunks and `last` on
  // the same request id. Returns the call's promise.
  caller.stream = (uri, chunks, last, options = {}) => {
    const call = caller.call(uri, [chunks[0]], {}, { ...options, progress: true });
    const req = caller.sentLog.filter((m) => m[0] === MSG.CALL).pop()[1];
    for (const chunk of chunks.slice(1)) caller._send_wamp([MSG.CALL, req, { progress: true }, uri, [chunk]]);
    caller._send_wamp([MSG.CALL, req, {}, uri, [last]]);
    return call;
  };
  return caller;
}

// A callee that announces the feature (and call_canceling); `uri` joins every chunk of a call.
async function streamingCallee(connect, uri, registerOptions = {}) {
  const callee = await connectAnnouncing(connect,
    { callee: { progressive_call_invocations: true, call_canceling: true } });
  callee.invocations = [];
  callee.interrupts = [];
  const chunks = new Map();
  let last = null;
  const invocation = callee._MESSAGE_MAP[MSG.INVOCATION];
  callee._MESSAGE_MAP[MSG.INVOCATION] = (msg) => {
    callee.invocations.push(msg);
    if (msg[3].progress) {
      chunks.set(msg[1], (chunks.get(msg[1]) || []).concat(msg[4] || []));
      return undefined;
    }
    last = msg[1];
    return invocation(msg);
  };
  callee._MESSAGE_MAP[MSG.INTERRUPT] = (msg) => callee.interrupts.push(msg);
  await within(callee.register(uri, (args) => (chunks.get(last) || []).concat(args).join('+'), registerOptions));
  return callee;
}

async function until(pred, what) {
  await within((async () => { while (!pred()) await new Promise((r) => setTimeout(r, 10)); })(), 5000, what);
}

test('WELCOME announces progressive_call_invocations', async ({ connect }) => {
  const s = await connect();
  assert.equal(s.joinDetails.roles.dealer.features.progressive_call_invocations, true);
});

test('a stream of CALLs reaches the callee in order, as one call', async ({ connect }) => {
  const uri = 'com.jsstream.join';
  const callee = await streamingCallee(connect, uri);
  const caller = await streamingCaller(connect);
  const chunks = Array.from({ length: 20 }, (_, i) => `c${i}`);
  assert.equal(await within(caller.stream(uri, chunks, 'end')), chunks.concat(['end']).join('+'));
  assert.equal(callee.invocations.length, 21);
  assert.equal(new Set(callee.invocations.map((m) => m[1])).size, 1);
  assert.deepEqual(callee.invocations.map((m) => Boolean(m[3].progress)),
    Array(20).fill(true).concat([false]));
});

test('shared registration: every chunk goes to the first chunk\'s callee', async ({ connect }) => {
  const uri = 'com.jsstream.shared';
  const a = await streamingCallee(connect, uri, { invoke: 'roundrobin' });
  const b = await streamingCallee(connect, uri, { invoke: 'roundrobin' });
  const caller = await streamingCaller(connect);
  assert.equal(await within(caller.stream(uri, ['a', 'b', 'c'], 'z')), 'a+b+c+z');
  assert.equal(await within(caller.stream(uri, ['d', 'e'], 'y')), 'd+e+y');
  assert.deepEqual([a.invocations.length, b.invocations.length], [4, 3]);
});

test('a callee without the feature: wamp.error.feature_not_supported', async ({ connect }) => {
  const uri = 'com.jsstream.plain';
  const plain = await connect();
  let invoked = false;
  await within(plain.register(uri, () => { invoked = true; return 'never'; }));
  const caller = await streamingCaller(connect);
  await expectWampError(caller.call(uri, ['a'], {}, { progress: true }), 'wamp.error.feature_not_supported');
  assert.equal(invoked, false);
  assert.ok(caller.isOpen);
});

test('a caller without the feature is aborted (protocol violation)', async ({ connect }) => {
  const uri = 'com.jsstream.unannounced';
  const callee = await streamingCallee(connect, uri);
  const plain = await connect();
  const received = [];
  const onmessage = plain._socket.onmessage;
  plain._socket.onmessage = (msg) => { received.push(msg); return onmessage(msg); };
  plain.call(uri, ['a'], {}, { progress: true }).catch(() => {});
  await within(plain.closed, 5000, 'the ABORT');
  // (AutobahnJS reports no reason for an ABORT after WELCOME: the message itself is checked.)
  assert.equal(received.find((m) => m[0] === MSG.ABORT)[2], 'wamp.error.protocol_violation');
  assert.deepEqual(callee.invocations, []);
});

test('the caller leaving mid-stream: the callee gets INTERRUPT killnowait', async ({ connect }) => {
  const uri = 'com.jsstream.leave';
  const callee = await streamingCallee(connect, uri);
  const caller = await streamingCaller(connect);
  caller.call(uri, ['a'], {}, { progress: true }).catch(() => {});
  await until(() => callee.invocations.length === 1, 'the first INVOCATION');
  caller.connection._transport.close(); // drop the WebSocket: no GOODBYE
  await until(() => callee.interrupts.length === 1, 'INTERRUPT');
  assert.deepEqual(callee.interrupts[0], [MSG.INTERRUPT, callee.invocations[0][1], { mode: 'killnowait' }]);
  assert.ok(callee.isOpen);
});
