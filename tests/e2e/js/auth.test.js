'use strict';
// Authentication end to end with AutobahnJS: ticket, WAMP-CRA (plain and salted) and
// WAMP-Cryptosign — success, wrong secret, unknown authid, unknown role, a role with no
// permissions —, dynamic ticket and WAMP-CRA authenticators registered by an AutobahnJS session,
// and a scan of the router's debug log for any secret.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const h = require('./harness.js');

const nacl = require(require.resolve('tweetnacl', { paths: [path.dirname(require.resolve('autobahn', { paths: [path.join(__dirname, '..', '..', '..')] }))] }));
const { autobahn } = h;

const TICKET = 'js-ticket-8d1f0a';
const CRA_SECRET = 'js-cra-secret-55e2';
const CRA_PASSWORD = 'js-cra-password-a9';
const CRA_SALT = 'js-salt-1c';
const WRONG = 'js-wrong-7b7b7b';
const SEED = crypto.randomBytes(32);
const OTHER_SEED = crypto.randomBytes(32);
const KEYPAIR = nacl.sign.keyPair.fromSeed(new Uint8Array(SEED));
const OTHER_KEYPAIR = nacl.sign.keyPair.fromSeed(new Uint8Array(OTHER_SEED));
const hex = (u8) => Buffer.from(u8).toString('hex');
const PUBKEY = hex(KEYPAIR.publicKey);

const ALL = { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } };
const config = h.defaultConfig();
config.workers[0].realms[0].roles = [
  { name: 'anonymous', permissions: [ALL] },
  { name: 'user', permissions: [ALL] },
  { name: 'nothing', permissions: [] },
];
config.workers[0].transports[0].paths.ws.auth = {
  ticket: { type: 'static', principals: {
    joe: { ticket: TICKET, role: 'user' },
    ghost: { ticket: TICKET, role: 'no-such-role' },
    idle: { ticket: TICKET, role: 'nothing' },
  } },
  wampcra: { type: 'static', users: {
    peter: { secret: CRA_SECRET, role: 'user' },
    salty: { secret: autobahn.auth_cra.derive_key(CRA_PASSWORD, CRA_SALT, 100, 32), salt: CRA_SALT, iterations: 100, keylen: 32, role: 'user' },
    ghost: { secret: CRA_SECRET, role: 'no-such-role' },
  } },
  cryptosign: { type: 'static', principals: {
    client01: { authorized_keys: [PUBKEY], role: 'user' },
    ghost: { authorized_keys: [hex(OTHER_KEYPAIR.publicKey)], role: 'no-such-role' },
  } },
};

// An anonymous path for the authenticator component, and a path whose methods it decides.
config.workers[0].transports[0].paths.open = { type: 'websocket', serializers: ['json'] };
config.workers[0].transports[0].paths.dyn = { type: 'websocket', serializers: ['json'], auth: {
  ticket: { type: 'dynamic', authenticator: 'com.example.js.authenticate' },
  wampcra: { type: 'dynamic', authenticator: 'com.example.js.authenticate' },
} };

const ctx = h.withRouter(test, { config });
const pathUrl = (router, p) => router.url.replace(/\/ws$/, '/' + p);

const ticket = (t) => () => t;
const cra = (secret, password) => (session, method, extra) => {
  const key = password ? autobahn.auth_cra.derive_key(password, extra.salt, extra.iterations, extra.keylen) : secret;
  return autobahn.auth_cra.sign(key, extra.challenge);
};
const cryptosign = (keypair) => (session, method, extra) => autobahn.auth_cryptosign.sign_challenge(keypair, extra);

async function join(connect, authmethods, onchallenge, authid, authextra) {
  return connect({ auth: { authmethods, onchallenge, authid, authextra } });
}

async function expectAbort(promise, reason) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.reason, 'closed');
    assert.equal(e.details.reason, reason, JSON.stringify(e.details));
    return true;
  });
}

ctx.test('ticket: success with WELCOME details', async ({ connect }) => {
  const s = await join(connect, ['ticket'], ticket(TICKET), 'joe');
  assert.equal(s.joinDetails.authid, 'joe');
  assert.equal(s.joinDetails.authrole, 'user');
  assert.equal(s.joinDetails.authmethod, 'ticket');
  assert.equal(s.joinDetails.authprovider, 'static');
});

ctx.test('ticket: wrong ticket, unknown authid, unknown role', async ({ connect }) => {
  await expectAbort(join(connect, ['ticket'], ticket(WRONG), 'joe'), 'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['ticket'], ticket(TICKET), 'nobody'), 'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['ticket'], ticket(TICKET), 'ghost'), 'wamp.error.no_such_role');
});

ctx.test('ticket: a role with no permissions is denied everything', async ({ connect }) => {
  const s = await join(connect, ['ticket'], ticket(TICKET), 'idle');
  const e = await h.expectWampError(s.call('com.any.thing'), 'wamp.error.not_authorized');
  assert.match(e.args[0], /call/);
  await h.expectWampError(s.register('com.any.proc', () => 1), 'wamp.error.not_authorized');
  await h.expectWampError(s.subscribe('com.any.topic', () => 1), 'wamp.error.not_authorized');
});

ctx.test('wampcra: plain and salted, then the failures', async ({ connect }) => {
  const s = await join(connect, ['wampcra'], cra(CRA_SECRET), 'peter');
  assert.equal(s.joinDetails.authmethod, 'wampcra');
  await join(connect, ['wampcra'], cra(null, CRA_PASSWORD), 'salty');
  await expectAbort(join(connect, ['wampcra'], cra(WRONG), 'peter'), 'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['wampcra'], cra(null, WRONG), 'salty'), 'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['wampcra'], cra(CRA_SECRET), 'nobody'), 'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['wampcra'], cra(CRA_SECRET), 'ghost'), 'wamp.error.no_such_role');
});

ctx.test('cryptosign: with and without authid, then the failures', async ({ connect }) => {
  let s = await join(connect, ['cryptosign'], cryptosign(KEYPAIR), 'client01', { pubkey: PUBKEY });
  assert.equal(s.joinDetails.authmethod, 'cryptosign');
  s = await join(connect, ['cryptosign'], cryptosign(KEYPAIR), undefined, { pubkey: PUBKEY });
  assert.equal(s.joinDetails.authid, 'client01');
  // The right public key announced, signed with another key.
  await expectAbort(join(connect, ['cryptosign'], cryptosign(OTHER_KEYPAIR), 'client01', { pubkey: PUBKEY }),
    'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['cryptosign'], cryptosign(KEYPAIR), 'nobody', { pubkey: PUBKEY }),
    'wamp.error.authentication_failed');
  await expectAbort(join(connect, ['cryptosign'], cryptosign(OTHER_KEYPAIR), 'ghost', { pubkey: hex(OTHER_KEYPAIR.publicKey) }),
    'wamp.error.no_such_role');
});

ctx.test('dynamic: ticket and WAMP-CRA decided by an AutobahnJS authenticator', async ({ router, connect }) => {
  const seen = [];
  const authenticator = await h.connect(pathUrl(router, 'open'));
  try {
    await authenticator.register('com.example.js.authenticate', ([realm, authid, details]) => {
      seen.push({ realm, authid, details });
      if (details.authmethod === 'wampcra') {
        if (authid === 'peter') return { secret: CRA_SECRET, role: 'user' };
        throw new autobahn.Error('com.example.no_such_user', ['no user ' + authid]);
      }
      if (details.ticket === TICKET) return { role: 'user', authid: authid + '@js' };
      throw new autobahn.Error('com.example.invalid_ticket', ['wrong ticket']);
    });
    const dyn = pathUrl(router, 'dyn');
    const viaDyn = (o) => h.connect(dyn, o).then((s) => { s.close(); return s; });
    let s = await viaDyn({ auth: { authmethods: ['ticket'], onchallenge: ticket(TICKET), authid: 'joe' } });
    assert.equal(s.joinDetails.authid, 'joe@js');
    assert.equal(s.joinDetails.authprovider, 'dynamic');
    assert.equal(seen[0].realm, h.REALM);
    assert.equal(seen[0].details.ticket, TICKET);
    s = await viaDyn({ auth: { authmethods: ['wampcra'], onchallenge: cra(CRA_SECRET), authid: 'peter' } });
    assert.equal(s.joinDetails.authmethod, 'wampcra');
    assert.equal(s.joinDetails.authprovider, 'dynamic');
    await expectAbort(viaDyn({ auth: { authmethods: ['ticket'], onchallenge: ticket(WRONG), authid: 'joe' } }),
      'com.example.invalid_ticket');
    await expectAbort(viaDyn({ auth: { authmethods: ['wampcra'], onchallenge: cra(WRONG), authid: 'peter' } }),
      'wamp.error.authentication_failed');
    await expectAbort(viaDyn({ auth: { authmethods: ['wampcra'], onchallenge: cra(CRA_SECRET), authid: 'eve' } }),
      'com.example.no_such_user');
  } finally {
    await authenticator.close();
  }
});

ctx.test('no offered method: wamp.error.no_auth_method', async ({ connect }) => {
  await expectAbort(join(connect, ['anonymous'], ticket('')), 'wamp.error.no_auth_method');
});

ctx.test('zz: no secret in the router log', async ({ router }) => {
  const log = router.lines.join('\n');
  assert.match(log, /authentication_failed/);
  for (const secret of [TICKET, CRA_SECRET, CRA_PASSWORD, WRONG, SEED.toString('hex'), OTHER_SEED.toString('hex')]) {
    assert.ok(!log.includes(secret), `a secret reached the log: ${secret}`);
  }
});
