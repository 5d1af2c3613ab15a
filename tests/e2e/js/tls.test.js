'use strict';
// TLS with AutobahnJS on Node: wss:// with the JSON, MessagePack and CBOR serializers talking to
// a plain ws:// session on another listener of the same router, and a client certificate that
// a listener with ca_certificates accepts (and the router reads). Certificates are made at test
// time with the openssl command line in a temp dir. AutobahnJS hands `tlsConfiguration`
// ({ca, cert, key}) to the `ws` package only when all three are set, so every wss:// client
// here presents the client certificate; listeners without ca_certificates never ask for it.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { autobahn, REALM, connect, within, startRouter } = require('./harness.js');

const ARGS = [1, 'two', [3, 4.5], { five: null }, true, 'Grüße 🎉'];
const KWARGS = { a: 1, b: { c: [false, -7] } };

function makePki(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Junction Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  for (const [name, subject, ext] of [
    ['server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', '/CN=js-client', 'extendedKeyUsage=clientAuth\n'],
  ]) {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${ext}`);
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-tls-js-'));
makePki(pkiDir);
const pki = (name) => path.join(pkiDir, name);
const serverTls = { key: pki('server.key'), certificate: pki('server.pem') };
const tcp = (tls) => ({ type: 'tcp', port: 0, interface: '127.0.0.1', ...(tls ? { tls } : {}) });
const role = {
  name: 'anonymous',
  permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } }],
};
const config = {
  version: 2,
  workers: [{
    type: 'router',
    realms: [{ name: REALM, roles: [role] }],
    transports: [
      { type: 'web', id: 'web_plain', endpoint: tcp(null), paths: { ws: { type: 'websocket' } } },
      { type: 'web', id: 'web_tls', endpoint: tcp(serverTls), paths: { ws: { type: 'websocket', serializers: ['cbor', 'msgpack', 'json'] } } },
      { type: 'websocket', id: 'ws_mtls', endpoint: tcp({ ...serverTls, ca_certificates: [pki('ca.pem')] }) },
    ],
  }],
};

const SERIALIZERS = {
  json: autobahn.serializer.JSONSerializer,
  msgpack: autobahn.serializer.MsgpackSerializer,
  cbor: autobahn.serializer.CBORSerializer,
};

function endpointOf(router, id) {
  const re = new RegExp(`transport '${id}' listening on (\\S+)`);
  for (const line of router.lines) {
    const m = re.exec(line);
    if (m) return m[1].replace('127.0.0.1', 'localhost');
  }
  throw new Error(`no listening line for ${id}`);
}

async function waitForEndpoints(router, ids) {
  for (let i = 0; i < 200; i++) {
    try { return Object.fromEntries(ids.map((id) => [id, endpointOf(router, id)])); } catch (e) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`listeners did not start:\n${router.logTail()}`);
}

function connectWss(url, serializer = 'json') {
  const connection = new autobahn.Connection({
    url,
    realm: REALM,
    serializers: [new SERIALIZERS[serializer]()],
    max_retries: 0,
    retry_if_unreachable: false,
    on_user_error: () => {},
    tlsConfiguration: {
      ca: fs.readFileSync(pki('ca.pem')),
      cert: fs.readFileSync(pki('client.pem')),
      key: fs.readFileSync(pki('client.key')),
    },
  });
  const opened = new Promise((resolve, reject) => {
    connection.onopen = (session) => { session.connection = connection; resolve(session); };
    connection.onclose = (reason, details) => { reject(new Error(`closed before join: ${reason} ${JSON.stringify(details)}`)); return true; };
  });
  connection.open();
  return within(opened, 10000, `join at ${url}`);
}

let router;
let ep;
const sessions = [];
nodeTest.before(async () => {
  router = await startRouter(config);
  ep = await waitForEndpoints(router, ['web_plain', 'web_tls', 'ws_mtls']);
});
nodeTest.after(async () => {
  for (const s of sessions) { try { s.connection.close(); } catch (e) { /* closed */ } }
  if (router) await router.stop();
  fs.rmSync(pkiDir, { recursive: true, force: true });
});

for (const serializer of Object.keys(SERIALIZERS)) {
  nodeTest.test(`wss:// with ${serializer}: RPC and PubSub with a plain ws:// session`, async () => {
    const secure = await connectWss(`wss://${ep.web_tls}/ws`, serializer);
    const plain = await connect(`ws://${ep.web_plain.replace('localhost', '127.0.0.1')}/ws`);
    sessions.push(secure, plain);
    const proc = `js.tls.echo.${serializer}`;
    await within(secure.register(proc, (args, kwargs) => new autobahn.Result(args, kwargs)));
    const res = await within(plain.call(proc, ARGS, KWARGS));
    assert.deepEqual([res.args, res.kwargs], [ARGS, KWARGS]);

    const topic = `js.tls.topic.${serializer}`;
    let delivered;
    const got = new Promise((resolve) => { delivered = resolve; });
    await within(plain.subscribe(topic, (args, kwargs) => delivered([args, kwargs])));
    await within(secure.publish(topic, ARGS, KWARGS, { acknowledge: true }));
    assert.deepEqual(await within(got), [ARGS, KWARGS]);
    secure.connection.close();
    plain.connection.close();
  });
}

nodeTest.test('wss:// with a client certificate on a listener with ca_certificates', async () => {
  const s = await connectWss(`wss://${ep.ws_mtls}/`);
  sessions.push(s);
  assert.ok(s.id > 0);
  for (let i = 0; i < 100 && !router.lines.some((l) => l.includes('client certificate CN=js-client')); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(router.lines.some((l) => l.includes('client certificate CN=js-client')), router.logTail(40));
  s.connection.close();
});
