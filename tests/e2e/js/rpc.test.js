'use strict';
// RPC end to end with AutobahnJS (JSON) against a live junction.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { autobahn, within, expectWampError, withRouter } = require('./harness.js');

const { test } = withRouter(nodeTest);

const echo = (args, kwargs) => new autobahn.Result(args, kwargs);

async function pair(connect) {
  return [await connect(), await connect()];
}

test('call with args and kwargs', async ({ connect }) => {
  const [callee, caller] = await pair(connect);
  await within(callee.register('com.example.js.echo', echo));
  const res = await within(caller.call('com.example.js.echo',
    [1, 'two', [3, 4.5], { five: null }, true], { a: 1, b: { c: [false, -7] } }));
  assert.ok(res instanceof autobahn.Result);
  assert.deepEqual(res.args, [1, 'two', [3, 4.5], { five: null }, true]);
  assert.deepEqual(res.kwargs, { a: 1, b: { c: [false, -7] } });

  await within(callee.register('com.example.js.add', (args) => args[0] + args[1]));
  assert.equal(await within(caller.call('com.example.js.add', [2, 40])), 42);

  await within(callee.register('com.example.js.nothing', () => new autobahn.Result()));
  assert.equal(await within(caller.call('com.example.js.nothing')), null);

  const nums = [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, 1.5e300, -0.25, 2 ** 53];
  const r2 = await within(caller.call('com.example.js.echo', nums));
  assert.deepEqual(r2.args, nums);
});

test('unicode strings', async ({ connect }) => {
  const [callee, caller] = await pair(connect);
  let got;
  await within(callee.register('com.example.js.echo_unicode', (args, kwargs) => {
    got = { args, kwargs };
    return new autobahn.Result(args, kwargs);
  }));
  const texts = ['Grüße', '日本語のテキスト', 'emoji 🎉👩‍💻', 'quote " backslash \\ / tab \t nl \n',
    'control \u0001\u001f', '\u2028\u2029', '𝄞 (U+1D11E)', ''];
  const kw = { 'ключ': 'значение', '🔑': '🎉' };
  const res = await within(caller.call('com.example.js.echo_unicode', texts, kw));
  assert.deepEqual(got, { args: texts, kwargs: kw });
  assert.deepEqual(res.args, texts);
  assert.deepEqual(res.kwargs, kw);
});

test('binary values (WAMP JSON convention: "\\0" + base64)', async ({ connect }) => {
  // AutobahnJS 22 has no binary support in its JSON serializer (a Uint8Array would be sent as
  // an object of indices), so a JS application uses the convention itself: a string starting
  // with "\0" followed by base64. The router must pass it through unchanged.
  const [callee, caller] = await pair(connect);
  let got;
  await within(callee.register('com.example.js.echo_binary', (args, kwargs) => {
    got = { args, kwargs };
    return new autobahn.Result(args, kwargs);
  }));
  const b64 = (bytes) => '\u0000' + Buffer.from(bytes).toString('base64');
  const all = Array.from({ length: 256 }, (_, i) => i);
  const args = [b64([0, 1, 2, 254, 255]), b64(all), b64([]), b64([0])];
  const kwargs = { blob: b64([0xde, 0xad, 0xbe, 0xef]), nested: { b: [b64([0x7f])] } };
  const res = await within(caller.call('com.example.js.echo_binary', args, kwargs));
  assert.deepEqual(got, { args, kwargs });
  assert.deepEqual(res.args, args);
  assert.deepEqual(res.kwargs, kwargs);
  assert.deepEqual([...Buffer.from(res.args[1].slice(1), 'base64')], all);
});

test('500 KB payload', async ({ connect }) => {
  const [callee, caller] = await pair(connect);
  await within(callee.register('com.example.js.echo_big', (args) => args[0]));
  const big = '0123456789abcdef'.repeat(32000);
  assert.equal(big.length, 500 * 1024);
  assert.equal(await within(caller.call('com.example.js.echo_big', [big]), 20000), big);
  const bigUnicode = 'ü€😀'.repeat(40000); // 160 000 code points, 360 000 UTF-8 bytes
  assert.equal(await within(caller.call('com.example.js.echo_big', [bigUnicode]), 20000), bigUnicode);
});

test('application error reaches the caller with URI, args and kwargs intact', async ({ connect }) => {
  const [callee, caller] = await pair(connect);
  await within(callee.register('com.example.js.fail', () => {
    throw new autobahn.Error('com.example.error.custom', [1, 'two', { three: [3] }, 'Grüße'],
      { detail: 'something went wrong', code: 42, nested: { x: [1, null] } });
  }));
  const err = await expectWampError(caller.call('com.example.js.fail', [1]), 'com.example.error.custom');
  assert.deepEqual(err.args, [1, 'two', { three: [3] }, 'Grüße']);
  assert.deepEqual(err.kwargs, { detail: 'something went wrong', code: 42, nested: { x: [1, null] } });

  // Rejected promise instead of a throw, no payload.
  await within(callee.register('com.example.js.fail_bare',
    () => Promise.reject(new autobahn.Error('com.example.error.bare'))));
  const bare = await expectWampError(caller.call('com.example.js.fail_bare'), 'com.example.error.bare');
  assert.deepEqual(bare.args, []);
  assert.deepEqual(bare.kwargs, {});
});

test('call to an unknown procedure: wamp.error.no_such_procedure', async ({ connect }) => {
  const caller = await connect();
  await expectWampError(caller.call('com.example.js.does_not_exist', [1]), 'wamp.error.no_such_procedure');
});

test('duplicate registration: wamp.error.procedure_already_exists', async ({ connect }) => {
  const [callee, other] = await pair(connect);
  await within(callee.register('com.example.js.dup', (args) => args[0]));
  await expectWampError(other.register('com.example.js.dup', echo), 'wamp.error.procedure_already_exists');
  await expectWampError(callee.register('com.example.js.dup', echo), 'wamp.error.procedure_already_exists');
  assert.equal(await within(other.call('com.example.js.dup', ['x'])), 'x');
});

test('unregister, then call: wamp.error.no_such_procedure', async ({ connect }) => {
  const [callee, caller] = await pair(connect);
  const reg = await within(callee.register('com.example.js.unreg', (args) => args[0]));
  assert.equal(await within(caller.call('com.example.js.unreg', [7])), 7);
  await within(callee.unregister(reg));
  await expectWampError(caller.call('com.example.js.unreg', [7]), 'wamp.error.no_such_procedure');
  await within(caller.register('com.example.js.unreg', (args) => args[0] * 2));
  assert.equal(await within(callee.call('com.example.js.unreg', [7])), 14);
});

test('200 concurrent calls', async ({ connect }) => {
  const [callee, caller] = await pair(connect);
  await within(callee.register('com.example.js.slow_add', async (args) => {
    const [a, b] = args;
    await new Promise((r) => setTimeout(r, (a * 7) % 13)); // answers out of order
    return new autobahn.Result([a, b, a + b]);
  }));
  const calls = [];
  for (let i = 0; i < 200; i++) calls.push(caller.call('com.example.js.slow_add', [i, 1000 * i]));
  const results = await within(Promise.all(calls), 30000, '200 calls');
  assert.deepEqual(results.map((r) => r.args), Array.from({ length: 200 }, (_, i) => [i, 1000 * i, 1001 * i]));
});

async function calleeGoesMidCall(connect, how) {
  const [callee, caller] = await pair(connect);
  let invoked;
  const wasInvoked = new Promise((r) => { invoked = r; });
  const uri = `com.example.js.hang_${how}`;
  await within(callee.register(uri, (args) => { invoked(args[0]); return new Promise(() => {}); }));
  const call = caller.call(uri, [1]);
  call.catch(() => {}); // observed below
  assert.equal(await within(wasInvoked, 5000, 'invocation'), 1);
  const t0 = Date.now();
  if (how === 'close') {
    callee.connection._transport.close(); // WebSocket close, no GOODBYE
  } else {
    callee.leave('wamp.close.normal'); // GOODBYE
  }
  await expectWampError(call, 'wamp.error.canceled', 5000);
  assert.ok(Date.now() - t0 < 5000);
  await expectWampError(caller.call(uri, [2]), 'wamp.error.no_such_procedure');
}

test('callee disconnects mid-call: caller gets an error at once', async ({ connect }) => {
  await calleeGoesMidCall(connect, 'close');
});

test('callee leaves mid-call: caller gets an error at once', async ({ connect }) => {
  await calleeGoesMidCall(connect, 'leave');
});

test('invalid URI: wamp.error.invalid_uri', async ({ connect }) => {
  const s = await connect();
  for (const bad of ['com..bad', 'with space', 'com.example.', '.com.example', 'com.#.x']) {
    await expectWampError(s.register(bad, echo), 'wamp.error.invalid_uri');
    await expectWampError(s.call(bad, [1]), 'wamp.error.invalid_uri');
  }
});
