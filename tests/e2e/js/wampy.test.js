'use strict';
// wampy.js 8 (npm wampy@8.0.2, the other widely used JavaScript WAMP client) against a live
// junction, over JSON, MessagePack (msgpackr) and CBOR (cbor-x): RPC with args/kwargs,
// application errors, PubSub with acknowledge and exclusion, progressive results, cancel, binary
// values to and from an Autobahn|Python peer (python_peer.py), and reconnect after the router
// died. wampy is used the way its README shows, with its own serializers: every msgpack
// SUBSCRIBE carries msgpackr's `undefined` (d4 00 00) for the options left out, and cbor-x
// writes ids above 2^32 (UNSUBSCRIBE, UNREGISTER) as float64; Junction reads both (issue 14).
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const WebSocket = require('ws');
const { Wampy } = require('wampy');
const { JsonSerializer } = require('wampy/JsonSerializer.js');
const { MsgpackSerializer } = require('wampy/MsgpackSerializer.js');
const { CborSerializer } = require('wampy/CborSerializer.js');
const { REALM, within, withRouter, defaultConfig, startRouter, connect } = require('./harness.js');

const SERIALIZERS = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};
const NAMES = Object.keys(SERIALIZERS);
const PYTHON = process.env.JUNCTION_E2E_PYTHON || '/usr/bin/python3';
const BYTES = Buffer.from([0, 1, 254, 255]);

function routerConfig(port = 0) {
  const config = defaultConfig();
  const transport = config.workers[0].transports[0];
  transport.paths.ws.serializers = ['cbor', 'msgpack', 'json'];
  transport.endpoint.port = port;
  return config;
}

const ctx = withRouter(nodeTest, { config: routerConfig() });
const { after } = nodeTest;

// A joined wampy session with `serializer`; closed after the test (ctx.test's sessions are
// AutobahnJS ones, so wampy's are tracked here).
const open = new Set();
async function wampy(router, serializer, options = {}) {
  const w = new Wampy(router.url, {
    realm: REALM,
    ws: WebSocket,
    serializer: SERIALIZERS[serializer](),
    autoReconnect: false,
    ...options,
  });
  open.add(w);
  await within(w.connect(), 10000, `wampy ${serializer} join`);
  return w;
}
async function closeAll() {
  for (const w of open) {
    try { await within(w.disconnect(), 5000, 'wampy disconnect'); } catch (e) { /* gone */ }
  }
  open.clear();
}

// Like ctx.test, and the wampy sessions are closed afterwards.
function test(name, fn, opts) {
  ctx.test(name, async (args) => {
    try {
      await fn(args);
    } finally {
      await closeAll();
    }
  }, opts);
}

// Awaits `promise`, which must reject with a wampy error (WampError) whose .errorUri is `uri`.
async function expectError(promise, uri) {
  let err;
  try {
    const value = await within(promise, 10000, `error ${uri}`);
    assert.fail(`expected ${uri}, got ${JSON.stringify(value)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  assert.equal(err.errorUri, uri, `${err.stack}`);
  return err;
}

// Resolves with the next `n` values pushed into the returned sink.
function collector() {
  const items = [];
  const waiters = [];
  const sink = (item) => {
    items.push(item);
    for (const w of waiters.splice(0)) w();
  };
  sink.items = items;
  sink.next = () => new Promise((resolve) => waiters.push(resolve));  // no timeout: race it
  sink.count = async (n, what) => {
    while (items.length < n) {
      await within(new Promise((resolve) => waiters.push(resolve)), 10000, what);
    }
    return items.slice(0, n);
  };
  return sink;
}

// The same data, whatever byte container a deserializer made (Buffer, Uint8Array).
function bytesOf(value, serializer) {
  if (serializer === 'json') {
    assert.equal(typeof value, 'string');
    assert.equal(value[0], '\0', 'the WAMP binary convention: "\\0" + base64');
    return Buffer.from(value.slice(1), 'base64');
  }
  assert.ok(value instanceof Uint8Array, `bytes expected, got ${typeof value}`);
  return Buffer.from(value);
}
// Binary as an application hands it to wampy: a Buffer, or the WAMP convention in JSON (wampy's
// JSON serializer is JSON.stringify).
function binary(buffer, serializer) {
  return serializer === 'json' ? '\0' + buffer.toString('base64') : buffer;
}

const ARGS = [null, true, false, 0, -1, 300, -70000, 2 ** 31, 0.5, -1e300,
  'h\u00e9llo \u20ac \u{1F600}', [1, [2, { a: 'b' }]], {}];
const KWARGS = { '\u2713 key': 'v', nested: { a: { b: [] } }, f: [1.5, -0.25], n: null };

for (const ser of NAMES) {
  const p = `com.wampy.${ser}`;

  test(`${ser}: negotiated; RPC with args and kwargs; unregister`, async ({ router }) => {
    const callee = await wampy(router, ser);
    const caller = await wampy(router, ser);
    assert.equal(callee._ws.protocol, `wamp.2.${ser}`);
    const seen = collector();
    const reg = await within(callee.register(`${p}.echo`, ({ argsList, argsDict, details }) => {
      seen(details);
      return { argsList, argsDict };
    }));
    assert.ok(reg.registrationId > 0);
    const r = await within(caller.call(`${p}.echo`, { argsList: ARGS, argsDict: KWARGS }));
    assert.deepEqual(r.argsList, ARGS);
    assert.deepEqual(r.argsDict, KWARGS);
    // Single values and only-kwargs, as wampy's README shows them.
    assert.deepEqual((await within(caller.call(`${p}.echo`, 'one'))).argsList, ['one']);
    const kw = await within(caller.call(`${p}.echo`, { a: 1 }));
    assert.deepEqual(kw.argsDict, { a: 1 });
    assert.deepEqual(kw.argsList ?? [], []);
    // disclose_me: the callee learns the caller's session.
    await within(caller.call(`${p}.echo`, [1], { disclose_me: true }));
    assert.equal(String((await seen.count(4))[3].caller), String(caller.getSessionId()));
    // UNREGISTER with the registration id as wampy keeps it (CBOR: a float64 above 2^32).
    await within(callee.unregister(`${p}.echo`));
    await expectError(caller.call(`${p}.echo`, [1]), 'wamp.error.no_such_procedure');
  });

  test(`${ser}: application errors reach the caller with their args and kwargs`, async ({ router }) => {
    const callee = await wampy(router, ser);
    const caller = await wampy(router, ser);
    await within(callee.register(`${p}.fail`, ({ argsList }) => {
      if (argsList[0] === 'app') {
        throw { error: 'com.wampy.error.app', details: {}, argsList: ['bad input', 42],
          argsDict: { field: 'x', codes: [1, 2] } };
      }
      throw new Error('a plain JavaScript error');
    }));
    const app = await expectError(caller.call(`${p}.fail`, ['app']), 'com.wampy.error.app');
    assert.deepEqual(app.argsList, ['bad input', 42]);
    assert.deepEqual(app.argsDict, { field: 'x', codes: [1, 2] });
    await expectError(caller.call(`${p}.fail`, ['js']), 'wamp.error.invocation_exception');
    await expectError(caller.call(`${p}.nowhere`), 'wamp.error.no_such_procedure');
  });

  test(`${ser}: PubSub with acknowledge, exclusion and unsubscribe`, async ({ router }) => {
    const a = await wampy(router, ser);
    const b = await wampy(router, ser);
    const pub = await wampy(router, ser);
    const got = { a: collector(), b: collector(), pub: collector(), prefix: collector() };
    // Plain subscribe(): over msgpack its options carry msgpackr's undefined.
    const subA = await within(a.subscribe(`${p}.topic`, (e) => got.a(e.argsList)));
    await within(b.subscribe(`${p}.topic`, (e) => got.b(e.argsList)));
    await within(pub.subscribe(`${p}.topic`, (e) => got.pub(e.argsList)));
    await within(pub.subscribe(`${p}.marker`, (e) => got.pub(e.argsList)));
    // A pattern-based subscription: its event names the topic it was published to.
    await within(b.subscribe(`${p}.to`, (e) => got.prefix(e), { match: 'prefix' }));
    assert.ok(subA.subscriptionId > 0);

    // acknowledge (wampy always asks): PUBLISHED with the publication id. Exclusion by session
    // id (what getSessionId() returns: a BigInt over msgpack, a float64 on the wire over CBOR).
    const ack = await within(pub.publish(`${p}.topic`, { argsList: ARGS, argsDict: KWARGS },
      { exclude: [a.getSessionId()] }));
    assert.ok(ack.publicationId > 0);
    let seen = null;
    await within(b.subscribe(`${p}.details`, (e) => { seen = e; got.b(e.argsList); }));
    await within(pub.publish(`${p}.topic`, ['eligible a'], { eligible: [a.getSessionId()] }));
    await within(pub.publish(`${p}.topic`, ['everyone']));
    // Events arrive in order: once a session has the last one, it would have had the others.
    assert.deepEqual(await got.a.count(1, 'a: eligible'), [['eligible a']]);
    assert.deepEqual(await got.a.count(2, 'a: everyone'), [['eligible a'], ['everyone']]);
    assert.deepEqual(await got.b.count(2, 'b: first and everyone'), [ARGS, ['everyone']]);
    const [byPrefix] = await got.prefix.count(1, 'b: prefix subscription');
    assert.equal(byPrefix.details.topic, `${p}.topic`);
    assert.deepEqual(byPrefix.argsList, ARGS);
    // The payload in full, and the publisher never gets its own events (exclude_me).
    await within(pub.publish(`${p}.details`, { argsList: ARGS, argsDict: KWARGS }));
    await got.b.count(3, 'b: details');
    assert.deepEqual(seen.argsDict, KWARGS);
    await within(b.publish(`${p}.marker`, ['marker']));
    assert.deepEqual(await got.pub.count(1, 'pub: marker'), [['marker']]);

    // UNSUBSCRIBE with the id as wampy keeps it (CBOR: a float64 above 2^32), then no more events.
    await within(a.unsubscribe(`${p}.topic`));
    await within(a.subscribe(`${p}.marker`, (e) => got.a(e.argsList)));
    await within(pub.publish(`${p}.topic`, ['after unsubscribe']));
    await within(pub.publish(`${p}.marker`, ['marker']));
    assert.deepEqual(await got.a.count(3, 'a: marker'), [['eligible a'], ['everyone'], ['marker']]);
  });

  test(`${ser}: progressive call results`, async ({ router }) => {
    const callee = await wampy(router, ser);
    const caller = await wampy(router, ser);
    await within(callee.register(`${p}.count`, ({ argsList, details, result_handler }) => {
      assert.equal(details.receive_progress, true);
      for (let i = 0; i < argsList[0]; i++) {
        result_handler({ argsList: [i], options: { progress: true } });
      }
      return { argsList: ['done'], argsDict: { n: argsList[0] } };
    }));
    const progress = collector();
    const r = await within(caller.call(`${p}.count`, [3],
      { progress_callback: (e) => progress(e.argsList[0]) }));
    assert.deepEqual(progress.items, [0, 1, 2]);
    assert.deepEqual(r.argsList, ['done']);
    assert.deepEqual(r.argsDict, { n: 3 });
  });

  test(`${ser}: cancel`, async ({ router }) => {
    const callee = await wampy(router, ser);
    const caller = await wampy(router, ser);
    const invoked = collector();
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await within(callee.register(`${p}.slow`, async () => {
      invoked(1);
      await held;
      return ['too late'];
    }));
    for (const mode of ['skip', 'kill', 'killnowait']) {
      const pending = caller.call(`${p}.slow`, [mode]);
      const reqId = caller.getOpStatus().reqId;
      await invoked.count(invoked.items.length + 1, 'invocation');
      assert.equal(caller.cancel(reqId, { mode }), true);
      await expectError(pending, 'wamp.error.canceled');
    }
    release();
    // The callee's late answers are dropped; the session is fine.
    await within(callee.register(`${p}.after`, () => ['ok']));
    assert.deepEqual((await within(caller.call(`${p}.after`))).argsList, ['ok']);
  });
}

// ---- binary values with an Autobahn|Python peer ----

let pythonPeer = null;
after(() => { if (pythonPeer && pythonPeer.exitCode === null) pythonPeer.kill('SIGKILL'); });

async function startPythonPeer(router) {
  if (pythonPeer) return;
  const proc = spawn(PYTHON, [path.join(__dirname, 'python_peer.py'), router.url, REALM, ...NAMES],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  pythonPeer = proc;
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  await within(new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`python peer exited (${code}): ${err}`)));
  }), 20000, `python peer ready (stderr: ${err})`);
}

for (const ser of NAMES) {
  const p = `com.pypeer.${ser}`;

  test(`${ser}: binary values to and from Autobahn|Python`, async ({ router }) => {
    await startPythonPeer(router);
    const w = await wampy(router, ser);
    // wampy -> Python, in CALL args and kwargs.
    const d = await within(w.call(`${p}.describe`,
      { argsList: [binary(BYTES, ser), 'text'], argsDict: { blob: binary(Buffer.alloc(0), ser) } }));
    assert.deepEqual(d.argsList, [['bytes', '0001feff'], ['str', 'text']]);
    assert.deepEqual(d.argsDict, { blob: ['bytes', ''] });
    // Python -> wampy, in RESULT.
    const m = await within(w.call(`${p}.make_bytes`));
    assert.deepEqual(bytesOf(m.argsList[0], ser), BYTES);
    assert.deepEqual(bytesOf(m.argsDict.blob, ser), Buffer.from([...Array(256).keys()]));
    // Python calls wampy: bytes in INVOCATION, and wampy's bytes back in YIELD.
    await within(w.register(`com.wampy.${ser}.bytes_back`, ({ argsList, argsDict }) => {
      const got = bytesOf(argsList[0], ser);
      assert.deepEqual(got, BYTES);
      assert.deepEqual(bytesOf(argsDict.blob, ser), Buffer.from([0xff, 0xfe]));
      return { argsList: [binary(Buffer.concat([got, got]), ser)], argsDict: { len: got.length } };
    }));
    const back = await within(w.call(`${p}.call_back`, [`com.wampy.${ser}.bytes_back`]));
    assert.deepEqual(back.argsList, [['bytes', '0001feff0001feff']]);
    assert.deepEqual(back.argsDict, { len: ['int', 4] });
    // PubSub both ways: wampy publishes bytes, Python describes them and adds its own.
    const events = collector();
    await within(w.subscribe(`${p}.from_python`, (e) => events(e)));
    await within(w.publish(`${p}.to_python`, { argsList: [binary(BYTES, ser)], argsDict: { k: binary(BYTES, ser) } }));
    const [e] = await events.count(1, 'event from Python');
    assert.deepEqual(e.argsList[0], [['bytes', '0001feff']]);
    assert.deepEqual(e.argsList[1], { k: ['bytes', '0001feff'] });
    assert.deepEqual(bytesOf(e.argsList[2], ser), BYTES);
  });
}

// ---- reconnect ----

nodeTest.test('reconnect: wampy rejoins a restarted router and renews its subscriptions and registrations',
  { timeout: 60000 }, async () => {
    let router = await startRouter(routerConfig());
    const port = router.port;
    try {
      for (const ser of NAMES) {
        const reconnected = collector();
        const events = collector();
        const w = await wampy(router, ser, {
          autoReconnect: true,
          reconnectInterval: 50,
          maxRetries: 200,
          onReconnectSuccess: () => reconnected(1),
        });
        await within(w.subscribe(`com.wampy.${ser}.re.topic`, (e) => events(e.argsList[0])));
        await within(w.register(`com.wampy.${ser}.re.proc`, () => [`${ser} is back`]));
        const firstSession = w.getSessionId();
        // The router dies (a clean shutdown would say GOODBYE, after which wampy rightly stays
        // away) and comes back on the same port.
        router.kill();
        await router.stop();
        router = await startRouter(routerConfig(port));
        await reconnected.count(1, `${ser}: reconnected`);
        assert.notEqual(String(w.getSessionId()), String(firstSession));
        // wampy renews after WELCOME, without telling when it is done: wait until the
        // registration answers (every wait bounded).
        const other = await connect(router);
        try {
          const deadline = Date.now() + 10000;
          let answer;
          while (!answer) {
            try {
              answer = await within(other.call(`com.wampy.${ser}.re.proc`), 5000);
            } catch (e) {
              if (e.error !== 'wamp.error.no_such_procedure' || Date.now() > deadline) throw e;
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          }
          assert.equal(answer, `${ser} is back`);  // AutobahnJS: a single result as itself
          // The subscription too: publish until the first event arrives.
          for (let i = 0; events.items.length === 0; i++) {
            assert.ok(Date.now() < deadline, `${ser}: no event after reconnect`);
            await within(other.publish(`com.wampy.${ser}.re.topic`, [i], {}, { acknowledge: true }));
            await Promise.race([events.next(), new Promise((resolve) => setTimeout(resolve, 20))]);
          }
        } finally {
          await other.close();
        }
        await closeAll();
      }
    } catch (e) {
      console.error(`----- junction log (port ${port}) -----\n${router.logTail()}`);
      throw e;
    } finally {
      await closeAll();
      await router.stop();
    }
  });
