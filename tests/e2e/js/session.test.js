'use strict';
// Session lifecycle with AutobahnJS: unknown realm, WELCOME, GOODBYE, graceful shutdown.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { connect, within, withRouter, startRouter, defaultConfig } = require('./harness.js');

const { test } = withRouter(nodeTest, { config: defaultConfig({ realms: ['realm1', 'realm2'] }) });
const MAX_ID = 2 ** 53;

test('unknown realm: ABORT wamp.error.no_such_realm', async ({ router }) => {
  let err;
  try {
    await connect(router, { realm: 'no.such.realm' });
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'join to an unknown realm must fail');
  assert.equal(err.reason, 'closed', err.message);
  assert.equal(err.details.reason, 'wamp.error.no_such_realm', err.message);
});

test('WELCOME: session id in range, realm, roles', async ({ connect: c }) => {
  const a = await c();
  const b = await c({ realm: 'realm2' });
  for (const [s, realm] of [[a, 'realm1'], [b, 'realm2']]) {
    assert.equal(s.realm, realm);
    assert.ok(Number.isInteger(s.id) && s.id >= 1 && s.id <= MAX_ID, `session id ${s.id}`);
    assert.ok(s.features.caller && s.features.callee, 'router announces the dealer role');
    assert.ok(s.features.publisher && s.features.subscriber, 'router announces the broker role');
  }
  assert.notEqual(a.id, b.id);
});

test('GOODBYE: wamp.close.goodbye_and_out', async ({ connect: c }) => {
  const s = await c();
  s.connection.close(); // sends GOODBYE wamp.close.normal; the router answers goodbye_and_out
  const { reason, details } = await within(s.closed, 5000, 'close after GOODBYE');
  assert.equal(reason, 'closed');
  assert.equal(details.reason, 'wamp.close.goodbye_and_out');
  const s2 = await c();
  await within(s2.register('com.example.jssession.after', () => 1));
  assert.equal(await within(s2.call('com.example.jssession.after')), 1);
});

nodeTest.test('SIGTERM: GOODBYE wamp.close.system_shutdown, exit code 0', { timeout: 30000 }, async () => {
  const router = await startRouter();
  try {
    const s = await connect(router);
    const t0 = Date.now();
    router.signal('SIGTERM');
    const { details } = await within(s.closed, 5000, 'GOODBYE after SIGTERM');
    assert.equal(details.reason, 'wamp.close.system_shutdown');
    const { code, signal } = await within(router.exited, Math.max(500, 5000 - (Date.now() - t0)), 'exit after SIGTERM');
    assert.equal(signal, null);
    assert.equal(code, 0);
  } catch (e) {
    console.error(`----- junction log -----\n${router.logTail()}`);
    throw e;
  } finally {
    await router.stop();
  }
});
