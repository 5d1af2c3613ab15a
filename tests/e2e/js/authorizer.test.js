'use strict';
// Dynamic authorization end to end with AutobahnJS: an AutobahnJS authorizer decides every
// action of the sessions of a role with "authorizer"; AutobahnJS clients of that role are
// allowed, denied, disclosed, cached (asked once), and see a failing authorizer's error.
const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness.js');

const { autobahn } = h;
const ALL = { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } };
const config = h.defaultConfig();
config.workers[0].realms[0].roles = [
  { name: 'anonymous', permissions: [ALL] },
  { name: 'dyn', authorizer: 'com.example.js.authorize' },
];
config.workers[0].transports[0].paths.dyn = {
  type: 'websocket', serializers: ['json'], auth: { anonymous: { type: 'static', role: 'dyn' } },
};

const ctx = h.withRouter(test, { config });

ctx.test('an AutobahnJS authorizer decides, caches and fails', async ({ router, connect }) => {
  const seen = [];
  const authorizer = await connect();
  await authorizer.register('com.example.js.authorize', ([session, uri, action]) => {
    seen.push({ session, uri, action });
    if (uri.startsWith('com.ok.')) return true;
    if (uri.startsWith('com.cached.')) return { allow: true, cache: true };
    if (uri.startsWith('com.who.')) return { allow: true, disclose: true };
    if (uri.startsWith('com.broken.')) throw new autobahn.Error('com.example.broken', ['no rules']);
    return false;
  });
  await authorizer.register('com.cached.proc', () => 'cached');
  await authorizer.register('com.who.proc', (args, kwargs, details) => details.caller,
    { disclose_caller: true });

  const dynUrl = router.url.replace(/\/ws$/, '/dyn');
  const s = await h.connect(dynUrl);
  try {
    assert.equal(s.joinDetails.authrole, 'dyn');
    await s.register('com.ok.double', ([x]) => 2 * x);
    assert.equal(await h.within(s.call('com.ok.double', [21])), 42);
    assert.deepEqual(seen.map((x) => x.action), ['register', 'call']);
    assert.equal(seen[0].session.session, s.id);

    const denied = await h.expectWampError(s.subscribe('com.secret.topic', () => {}), 'wamp.error.not_authorized');
    assert.match(denied.args[0], /subscribe 'com\.secret\.topic'/);
    const broken = await h.expectWampError(s.call('com.broken.proc'), 'wamp.error.authorization_failed');
    assert.match(broken.args[0], /com\.example\.broken: no rules/);

    for (let i = 0; i < 3; ++i) assert.equal(await h.within(s.call('com.cached.proc')), 'cached');
    assert.equal(seen.filter((x) => x.uri === 'com.cached.proc').length, 1);
    assert.equal(await h.within(s.call('com.who.proc')), s.id);
  } finally {
    await s.close();
  }
});
