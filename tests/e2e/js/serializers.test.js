'use strict';
// AutobahnJS with JSON, MessagePack (msgpack5) and CBOR (node-cbor) against a live junction: each
// serializer is negotiated, and every publisher x subscriber and caller x callee pair gets the
// same args/kwargs. Binary is a Buffer in MessagePack/CBOR and the WAMP "\0"+base64 string in
// JSON (AutobahnJS's JSON serializer leaves that convention to the application).
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { autobahn, within, withRouter, defaultConfig } = require('./harness.js');

const config = defaultConfig();
config.workers[0].transports[0].paths.ws.serializers = ['cbor', 'msgpack', 'ubjson', 'json'];
const { test } = withRouter(nodeTest, { config });

const SERIALIZERS = {
  json: autobahn.serializer.JSONSerializer,
  msgpack: autobahn.serializer.MsgpackSerializer,
  cbor: autobahn.serializer.CBORSerializer,
};
const ACK = { acknowledge: true };
const BYTES = Buffer.from([0, 1, 127, 128, 255]);
const KW_BYTES = Buffer.from('\xff\xfe', 'latin1');

// The payload as a peer of `serializer` writes it and expects to read it. Integers stay within
// 2^53: node-cbor reads larger ones as BigInt (Python's matrix covers the 64-bit range).
function payload(serializer) {
  const bin = (b) => (serializer === 'json' ? '\0' + b.toString('base64') : b);
  return {
    args: [null, true, false, 0, -1, 300, -70000, 2 ** 40, 2 ** 50, 0.5, 1.1, -1e300,
      'h\u00e9llo \u20ac \u{1F600}', bin(BYTES), bin(Buffer.alloc(0)),
      [1, [2, { a: 'b', bin: bin(BYTES) }]]],
    kwargs: { bin: bin(KW_BYTES), '\u2713 key': 'v', nested: { a: { b: [] } }, f: [1.5, -0.25] },
  };
}

// harness.connect() builds `new autobahn.serializer.JSONSerializer()` synchronously; swapping
// that constructor for the call picks the serializer without a second copy of connect().
async function connectWith(connect, serializer) {
  const json = autobahn.serializer.JSONSerializer;
  autobahn.serializer.JSONSerializer = SERIALIZERS[serializer];
  let pending;
  try {
    pending = connect();
  } finally {
    autobahn.serializer.JSONSerializer = json;
  }
  const session = await pending;
  assert.equal(session.connection.transport.info.protocol, `wamp.2.${serializer}`);
  return session;
}

test('each serializer is negotiated and echoes a call', async ({ connect }) => {
  for (const name of Object.keys(SERIALIZERS)) {
    const s = await connectWith(connect, name);
    await within(s.register(`com.jsser.echo.${name}`,
      (args, kwargs) => new autobahn.Result(args, kwargs)));
    const { args, kwargs } = payload(name);
    const r = await within(s.call(`com.jsser.echo.${name}`, args, kwargs));
    assert.deepEqual(r.args, args, name);
    assert.deepEqual(r.kwargs, kwargs, name);
  }
});

test('pub/sub matrix: every publisher serializer x every subscriber serializer', async ({ connect }) => {
  const names = Object.keys(SERIALIZERS);
  const got = new Map();
  const waiters = new Map();
  for (const sub of names) {
    const s = await connectWith(connect, sub);
    await within(s.subscribe('com.jsser.matrix', (args, kwargs) => {
      const key = `${kwargs.publisher}->${sub}`;
      delete kwargs.publisher;
      got.set(key, { args, kwargs });
      if (waiters.has(key)) waiters.get(key)();
    }));
  }
  for (const pub of names) {
    const p = await connectWith(connect, pub);
    const { args, kwargs } = payload(pub);
    await within(p.publish('com.jsser.matrix', args, { ...kwargs, publisher: pub }, ACK));
  }
  for (const pub of names) {
    for (const sub of names) {
      const key = `${pub}->${sub}`;
      if (!got.has(key)) await within(new Promise((resolve) => waiters.set(key, resolve)), 10000, key);
      const expected = payload(sub);
      assert.deepEqual(got.get(key).args, expected.args, key);
      assert.deepEqual(got.get(key).kwargs, expected.kwargs, key);
    }
  }
});

test('rpc matrix: every caller serializer x every callee serializer', async ({ connect }) => {
  const names = Object.keys(SERIALIZERS);
  for (const callee of names) {
    const s = await connectWith(connect, callee);
    await within(s.register(`com.jsser.rpc.${callee}`, (args, kwargs) => {
      const expected = payload(callee);
      const caller = kwargs.caller;
      delete kwargs.caller;
      // The callee checks what it got; the caller checks what came back.
      assert.deepEqual(args, expected.args, `${caller}->${callee}`);
      assert.deepEqual(kwargs, expected.kwargs, `${caller}->${callee}`);
      return new autobahn.Result(args, kwargs);
    }));
  }
  for (const caller of names) {
    const c = await connectWith(connect, caller);
    for (const callee of names) {
      const { args, kwargs } = payload(caller);
      const r = await within(c.call(`com.jsser.rpc.${callee}`, args, { ...kwargs, caller }));
      assert.deepEqual(r.args, args, `${caller}->${callee}`);
      assert.deepEqual(r.kwargs, kwargs, `${caller}->${callee}`);
    }
  }
});

// AutobahnJS's own defaults offer "wamp.2.json, wamp.2.msgpack". The path allows Crossbar's list
// (cbor, msgpack, ubjson, json); as in Crossbar, the client's first choice wins. With MessagePack, a procedure
// that returns nothing would hang the call: AutobahnJS's msgpack5 cannot encode `undefined`.
test("AutobahnJS's default serializers get its first choice, JSON", async ({ router }) => {
  const open = (onopen) => {
    const connection = new autobahn.Connection({
      url: router.url, realm: 'realm1', max_retries: 0, retry_if_unreachable: false,
    });
    const opened = new Promise((resolve, reject) => {
      connection.onopen = (session) => resolve(session);
      connection.onclose = (reason, details) => { reject(new Error(`${reason} ${JSON.stringify(details)}`)); return true; };
    });
    connection.open();
    return within(opened, 10000, 'join with default serializers').then((s) => { onopen(connection); return s; });
  };
  const connections = [];
  try {
    const callee = await open((c) => connections.push(c));
    const caller = await open((c) => connections.push(c));
    for (const c of connections) assert.equal(c.transport.info.protocol, 'wamp.2.json');
    await within(callee.register('com.jsser.returns_nothing', () => {}));
    assert.equal(await within(caller.call('com.jsser.returns_nothing'), 5000, 'call of a procedure returning nothing'), null);
  } finally {
    for (const c of connections) { try { c.close(); } catch (e) { /* closed */ } }
  }
});
