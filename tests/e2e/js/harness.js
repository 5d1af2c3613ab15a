'use strict';
// Harness for Junction's end-to-end tests with AutobahnJS (npm autobahn@22.11.1) and Node's
// built-in test runner. The junction binary comes from $JUNCTION_BIN.
//
// startRouter() writes a Crossbar-format config into a temp dir (127.0.0.1, port 0), starts
// `junction start --config FILE --loglevel debug`, and resolves once its stderr says
// "listening on ADDR:PORT". The process is killed by PID in stop() and, failing that, when this
// process exits. Every wait has a timeout.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let autobahnPath;
try {
  autobahnPath = require.resolve('autobahn');
} catch (e) {
  // Not on NODE_PATH: use the repository's node_modules.
  autobahnPath = require.resolve(path.join(__dirname, '..', '..', '..', 'node_modules', 'autobahn'));
}
const autobahn = require(autobahnPath);

const REALM = 'realm1';
const MAX_MESSAGE_SIZE = 1048576;
const START_TIMEOUT_MS = 15000;
const OP_TIMEOUT_MS = 10000;
const LISTENING_RE = /listening on ([0-9.]+):(\d+)/;

function junctionBinary() {
  const bin = process.env.JUNCTION_BIN;
  if (!bin) throw new Error('set JUNCTION_BIN to the path of the junction binary');
  fs.accessSync(bin, fs.constants.X_OK);
  return bin;
}

function defaultConfig({ realms = [REALM], maxMessageSize = MAX_MESSAGE_SIZE } = {}) {
  const role = {
    name: 'anonymous',
    permissions: [{
      uri: '',
      match: 'prefix',
      allow: { call: true, register: true, publish: true, subscribe: true },
      disclose: { caller: false, publisher: false },
      cache: true,
    }],
  };
  return {
    version: 2,
    workers: [{
      type: 'router',
      realms: realms.map((name) => ({ name, roles: [role] })),
      transports: [{
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          '/': { type: 'nodeinfo' },
          ws: { type: 'websocket', serializers: ['json'], options: { max_message_size: maxMessageSize } },
        },
      }],
    }],
  };
}

const liveProcesses = new Set();
process.on('exit', () => {
  for (const p of liveProcesses) {
    try { process.kill(p.pid, 'SIGKILL'); } catch (e) { /* gone */ }
  }
});

// Rejects with `what` if `promise` has not settled within `ms`.
function within(promise, ms = OP_TIMEOUT_MS, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

class Router {
  constructor(config) {
    this.config = config || defaultConfig();
    this.lines = [];
    this.linesSeen = 0;
    this.proc = null;
    this.host = null;
    this.port = null;
    this.exited = null; // promise of {code, signal}
  }

  async start() {
    this.tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-e2e-js-'));
    const cfg = path.join(this.tmpdir, 'config.json');
    fs.writeFileSync(cfg, JSON.stringify(this.config, null, 2));
    this.proc = spawn(junctionBinary(), ['start', '--config', cfg, '--loglevel', 'debug'],
      { cwd: this.tmpdir, stdio: ['ignore', 'pipe', 'pipe'] });
    liveProcesses.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        liveProcesses.delete(this.proc);
        resolve({ code, signal });
      });
    });
    let onListening;
    const listening = new Promise((resolve) => { onListening = resolve; });
    const collect = (stream, tag, watch) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop();
        for (const line of parts) {
          this.lines.push(tag + line);
          this.linesSeen++;
          if (this.lines.length > 4000) this.lines.shift();
          if (watch && this.port === null) {
            const m = LISTENING_RE.exec(line);
            if (m) {
              this.host = m[1];
              this.port = Number(m[2]);
              onListening();
            }
          }
        }
      });
    };
    collect(this.proc.stderr, '', true);
    collect(this.proc.stdout, '[stdout] ', false);
    const early = this.exited.then(({ code, signal }) => {
      throw new Error(`junction exited (code ${code}, signal ${signal}) before listening:\n${this.logTail()}`);
    });
    try {
      await within(Promise.race([listening, early]), START_TIMEOUT_MS, "junction's 'listening on' line");
    } catch (e) {
      this.kill();
      e.message += `\n${this.logTail()}`;
      throw e;
    }
    early.catch(() => {});
    return this;
  }

  get url() { return `ws://${this.host}:${this.port}/ws`; }

  running() { return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null; }

  signal(sig) { if (this.running()) process.kill(this.proc.pid, sig); }

  kill() { if (this.running()) { try { process.kill(this.proc.pid, 'SIGKILL'); } catch (e) { /* gone */ } } }

  // SIGTERM, then SIGKILL after 5 s. Resolves with {code, signal}.
  async stop() {
    if (!this.proc) return null;
    if (this.running()) {
      this.signal('SIGTERM');
      try {
        await within(this.exited, 5000, 'junction exit after SIGTERM');
      } catch (e) {
        this.lines.push('[harness] junction ignored SIGTERM for 5 s: SIGKILL');
        this.kill();
      }
    }
    const res = await within(this.exited, 5000, 'junction exit after SIGKILL');
    if (this.tmpdir) { fs.rmSync(this.tmpdir, { recursive: true, force: true }); this.tmpdir = null; }
    return res;
  }

  logTail(n = 300) {
    const lines = this.lines.slice(-n);
    const skipped = this.linesSeen - lines.length;
    return (skipped > 0 ? `... (${skipped} earlier lines not shown)\n` : '') + lines.join('\n');
  }
}

async function startRouter(config) {
  return new Router(config).start();
}

// Connects an AutobahnJS session (JSON only, no reconnect). Resolves with the session once
// joined; the session gets .connection, .closed (promise of {reason, details}) and .close().
// Rejects with an Error carrying .reason/.details if the connection closes before WELCOME
// (e.g. ABORT wamp.error.no_such_realm). `auth` adds AutobahnJS's authentication options
// (authmethods, authid, authextra, onchallenge).
function connect(router, { realm = REALM, timeout = OP_TIMEOUT_MS, auth = {} } = {}) {
  const url = typeof router === 'string' ? router : router.url;
  const connection = new autobahn.Connection({
    url,
    realm,
    serializers: [new autobahn.serializer.JSONSerializer()],
    max_retries: 0,
    retry_if_unreachable: false,
    // Errors thrown by handlers are the point of some tests: do not print them.
    on_user_error: () => {},
    ...auth,
  });
  let resolveClosed;
  const closed = new Promise((resolve) => { resolveClosed = resolve; });
  const opened = new Promise((resolve, reject) => {
    let joined = false;
    connection.onopen = (session, details) => {
      joined = true;
      session.connection = connection;
      session.closed = closed;
      session.joinDetails = details;
      session.close = async () => {
        if (connection.isOpen) {
          try { connection.close(); } catch (e) { /* already closing */ }
        }
        await within(closed, 5000, 'connection close').catch(() => {});
      };
      resolve(session);
    };
    connection.onclose = (reason, details) => {
      resolveClosed({ reason, details });
      if (!joined) {
        const err = new Error(`connection closed before join: ${reason} ${JSON.stringify(details)}`);
        err.reason = reason;
        err.details = details;
        reject(err);
      }
      return true; // never retry
    };
  });
  connection.open();
  return within(opened, timeout, `join ${realm} at ${url}`).catch((e) => {
    try { connection.close(); } catch (e2) { /* not open */ }
    throw e;
  });
}

// Connects with connect() (a withRouter ctx.connect or a bound connect) and has the session
// announce, on top of AutobahnJS's own features, `features` ({callee: {call_canceling: true}},
// say) in its HELLO: for features AutobahnJS does not implement, whose messages the test then
// handles itself.
let extraFeatures = null;
const autobahnJoin = autobahn.Session.prototype.join;
autobahn.Session.prototype.join = function (...args) {
  if (extraFeatures) {
    const features = extraFeatures;
    const send = this._send_wamp;
    this._send_wamp = (msg) => {
      if (msg[0] === 1) { // HELLO: amend a copy of the library's roles (shared by every session)
        const roles = JSON.parse(JSON.stringify(msg[2].roles));
        for (const [role, add] of Object.entries(features)) Object.assign(roles[role].features, add);
        msg = [msg[0], msg[1], { ...msg[2], roles }];
        this._send_wamp = send;
      }
      return send(msg);
    };
  }
  return autobahnJoin.apply(this, args);
};
async function connectAnnouncing(connectFn, features) {
  extraFeatures = features;
  try {
    return await connectFn();
  } finally {
    extraFeatures = null;
  }
}

// Awaits `promise`, which must reject with an autobahn.Error whose .error is `uri`.
async function expectWampError(promise, uri, ms = OP_TIMEOUT_MS) {
  let err;
  try {
    const value = await within(promise, ms, `error ${uri}`);
    throw Object.assign(new Error(`expected WAMP error ${uri}, got result ${JSON.stringify(value)}`), { unexpected: true });
  } catch (e) {
    if (e.unexpected) throw e;
    err = e;
  }
  if (!(err instanceof autobahn.Error)) {
    throw new Error(`expected WAMP error ${uri}, got ${err && err.stack ? err.stack : JSON.stringify(err)}`);
  }
  if (err.error !== uri) {
    throw new Error(`expected WAMP error ${uri}, got ${err.error} ${JSON.stringify(err.args)} ${JSON.stringify(err.kwargs)}`);
  }
  return err;
}

// A test suite with one router: returns a `test` that reports the router's log on failure and
// closes the sessions opened through ctx.connect().
function withRouter(nodeTest, { config } = {}) {
  const { before, after, test } = nodeTest;
  const ctx = { router: null };
  before(async () => { ctx.router = await startRouter(config); });
  after(async () => { if (ctx.router) await ctx.router.stop(); });
  ctx.test = (name, fn, opts = {}) => test(name, { timeout: opts.timeout || 60000 }, async (t) => {
    const sessions = [];
    const c = async (o) => { const s = await connect(ctx.router, o); sessions.push(s); return s; };
    try {
      await fn({ t, router: ctx.router, connect: c });
    } catch (e) {
      console.error(`----- junction log for failed test "${name}" (port ${ctx.router && ctx.router.port}) -----\n${ctx.router ? ctx.router.logTail() : '(no router)'}`);
      throw e;
    } finally {
      for (const s of sessions) await s.close();
    }
  });
  return ctx;
}

// Silence AutobahnJS's own warnings ("connection closed ...") unless asked for.
if (!process.env.JUNCTION_E2E_VERBOSE) {
  const log = require(path.join(path.dirname(autobahnPath), 'lib', 'log.js'));
  log.warn = () => {};
}

module.exports = {
  autobahn, REALM, MAX_MESSAGE_SIZE, OP_TIMEOUT_MS, defaultConfig, startRouter, connect,
  within, expectWampError, withRouter, Router, connectAnnouncing,
};
